import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
import type * as z from 'zod';
import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import { describeInput } from './input-schemas.ts';

/** Flattens zod issues into dotted field paths (`items.0.quantity`). */
export function fieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return schemaIssues(error.issues);
}

/** A Standard Schema issue (zod's among them). */
interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Flattens Standard Schema issues into dotted field paths. */
function schemaIssues(issues: readonly SchemaIssue[]): FieldIssue[] {
  return issues.map((issue) => ({
    path:
      (issue.path ?? [])
        .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
        .join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Validates one part of the request with a zod schema; failures become a VALIDATION problem
 * naming every bad field, so bad input never reaches the handler. The schema also describes the
 * part in the function's OpenAPI document (`GET /openapi.json`).
 * @example app.post('/orders', validate('json', placeOrderBody), (c) => c.req.valid('json'))
 */
export function validate<Schema extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: Schema,
) {
  const middleware = validator(target, schema, (result) => {
    if (!result.success) {
      const issues = schemaIssues(result.error);
      throw new EdgeMeshError(
        'VALIDATION',
        `Invalid ${target}: ${issues.map((issue) => issue.path).join(', ')}.`,
        { issues },
      );
    }
  });
  return describeInput(middleware, { target: target, schema });
}
