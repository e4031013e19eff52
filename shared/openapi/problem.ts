import * as z from 'zod';
import { errorStatus, problemContentType, type ErrorCode } from '../errors/index.ts';

/** RFC 9457 problem+json as every edgemesh error carries it; extensions (`orderId`, `limit`, …) pass. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    instance: z.string().optional(),
    traceId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose();

/** Where the problem schema sits in every document. */
export const problemRef = '#/components/schemas/Problem';

/** The OpenAPI response of an error status: problem+json, with required headers when given. */
export function problemResponse(
  description: string,
  headers: Readonly<Record<string, string>> = {},
) {
  return {
    description,
    content: { [problemContentType]: { schema: { $ref: problemRef } } },
    ...(Object.keys(headers).length > 0 ? { headers: headerObjects(headers) } : {}),
  };
}

/** Response headers, each required, as OpenAPI header objects. */
export function headerObjects(headers: Readonly<Record<string, string>>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, description]) => [
      name,
      { description, required: true, schema: { type: 'string' } },
    ]),
  );
}
