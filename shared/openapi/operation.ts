import type { MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { z } from 'zod';
import { outputSchema } from './json-schema.ts';
import { headerObjects, problemResponse } from './problem.ts';
import { securityOf, type Caller } from './security.ts';

/** A success response: its body's zod schema (JSON unless `mediaType`) and required headers. */
export interface SuccessDoc {
  readonly description: string;
  readonly body?: z.ZodType;
  /** Default `application/json`; a body-less schema of `mediaType` is a string. */
  readonly mediaType?: string;
  /** Required response headers: name → description. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a route answers, by status: a success, or (a string) when a problem+json comes back. */
export type ResponseDocs = Readonly<Record<number, SuccessDoc | string>>;

export interface OperationDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /**
   * Statuses of its own; the toolkit adds the ones its guards answer (400, 401, 403, 413,
   * 429, 500, 503) from the service's declaration.
   */
  readonly responses: ResponseDocs;
  /** Who may call it, when the route checks that itself (e.g. a QStash signature). */
  readonly callers?: readonly Caller[];
  /** Internal without a guard (an operator's read): marked, not secured. */
  readonly internal?: boolean;
  /** Query parameters the handler reads itself (not through `validate`): name → its doc. */
  readonly query?: Readonly<Record<string, { description: string; schema: object }>>;
}

function responseObject(doc: SuccessDoc | string) {
  if (typeof doc === 'string') return problemResponse(doc);
  const mediaType = doc.mediaType ?? 'application/json';
  const schema = doc.body ? outputSchema(doc.body) : { type: 'string' };
  return {
    description: doc.description,
    ...(doc.body || doc.mediaType ? { content: { [mediaType]: { schema } } } : {}),
    ...(doc.headers ? { headers: headerObjects(doc.headers) } : {}),
  };
}

/**
 * Describes a route in its function's OpenAPI document (`GET /openapi.json`); its parameters
 * and body come from the route's `validate(...)` schemas.
 * @example .get('/orders/:id', operation({ summary: 'Read an order', responses: { 200: { description: 'The order', body: orderView }, 404: 'No such order' } }), validate('param', orderIdParam), …)
 */
export function operation(doc: OperationDoc): MiddlewareHandler {
  const responses = Object.fromEntries(
    Object.entries(doc.responses).map(([status, response]) => [status, responseObject(response)]),
  );
  return describeRoute({
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.tags ? { tags: [...doc.tags] } : {}),
    ...(doc.callers ? securityOf(doc.callers) : {}),
    ...(doc.internal ? { 'x-internal': true } : {}),
    ...(doc.query
      ? {
          parameters: Object.entries(doc.query).map(([name, { description, schema }]) => ({
            in: 'query' as const,
            name,
            description,
            schema,
          })),
        }
      : {}),
    // Plain JSON Schema objects; the library's types want its own schema type.
    responses: responses as Parameters<typeof describeRoute>[0]['responses'],
  });
}

/**
 * Keeps a route out of the OpenAPI document: one another contract describes (the RPC routes,
 * described by their .proto).
 */
export function describedElsewhere(): MiddlewareHandler {
  return describeRoute({ hide: true });
}
