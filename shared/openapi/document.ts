import type { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import { outputSchema } from './json-schema.ts';
import { problemResponse, problemSchema } from './problem.ts';
import { securityOf, securitySchemes, type Caller } from './security.ts';

/** A `'<METHOD> <route template>'` as Hono writes it (`'POST /reservations/:id/confirm'`). */
export type RouteKey = string;

/** What the toolkit puts in front of a function's routes, as the document must tell callers. */
export interface DocumentOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  /** Routes guarded by the toolkit, and who may call each. */
  readonly internal?: Readonly<Record<RouteKey, readonly Caller[]>>;
  /** Routes QStash delivers a topic to: a message that can never succeed answers 489. */
  readonly consumers?: readonly RouteKey[];
  /** Rate-limited routes, with the names of their limits. */
  readonly rateLimited?: Readonly<Record<RouteKey, readonly string[]>>;
  /** Paths served outside the app (e.g. `/metrics`), as OpenAPI path items. */
  readonly paths?: Readonly<Record<string, unknown>>;
}

/** An OpenAPI 3.1 document, as plain data. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
  [member: string]: unknown;
}

/** One operation of a document (the members the toolkit adds to or reads). */
export interface Operation {
  summary?: string;
  responses: Record<string, unknown>;
  security?: unknown[];
  [member: string]: unknown;
}

const bodyMethods = new Set(['post', 'put', 'patch']);

/** `/reservations/:id/confirm` → `/reservations/{id}/confirm`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationOf(document: OpenApiDocument, route: RouteKey): Operation | undefined {
  const [method = '', path = ''] = route.split(' ');
  return document.paths[openApiPath(path)]?.[method.toLowerCase()];
}

/** The responses every operation can give, whatever its route does. */
function addToolkitResponses(method: string, operation: Operation): void {
  const responses = operation.responses;
  // hono-openapi writes `200: {}` for a route that declares nothing: no such success exists.
  const ok = responses['200'];
  if (ok && typeof ok === 'object' && Object.keys(ok).length === 0) delete responses['200'];
  responses['400'] ??= problemResponse('VALIDATION: a path, query, header or body is not valid');
  if (bodyMethods.has(method))
    responses['413'] ??= problemResponse('PAYLOAD_TOO_LARGE: over 64 KiB');
  responses['500'] ??= problemResponse('INTERNAL or CONFIG: a fault of the function');
  responses['503'] ??= problemResponse('UNAVAILABLE: a backing service cannot be reached');
}

function addAccess(operation: Operation, callers: readonly Caller[]): void {
  Object.assign(operation, securityOf(callers));
  operation.responses['401'] ??= problemResponse(
    'UNAUTHORIZED or SIGNATURE: no valid signature or token',
  );
  if (callers.some((caller) => caller !== 'operator' && caller !== 'qstash')) {
    operation.responses['403'] ??= problemResponse('FORBIDDEN: a signed caller not listed');
  }
}

function addRateLimits(operation: Operation, limits: readonly string[]): void {
  operation['x-edgemesh-rate-limits'] = [...limits];
  operation.responses['429'] ??= problemResponse(`RATE_LIMITED by ${limits.join(' or ')}`, {
    'Retry-After': 'Seconds until the limit lets a call through',
    RateLimit: 'Remaining calls and seconds to reset (draft-ietf-httpapi-ratelimit-headers)',
    'RateLimit-Policy': 'The limit and its window',
  });
}

/**
 * A function's OpenAPI 3.1 document: its routes as their `operation(...)` and `validate(...)`
 * middleware describe them, with what the toolkit adds in front (guards, signatures, rate
 * limits, the statuses they answer) and the problem+json schema of every error.
 */
export async function openApiDocument(
  app: Hono,
  options: DocumentOptions,
): Promise<OpenApiDocument> {
  const document = (await generateSpecs(app, {
    documentation: {
      info: {
        title: options.title,
        version: options.version,
        ...(options.description ? { description: options.description } : {}),
      },
      components: {
        schemas: { Problem: outputSchema(problemSchema) },
        securitySchemes: securitySchemes,
      },
    },
    excludeStaticFile: false,
    // A route without `operation(...)` still shows, without a summary: tests catch it.
    includeEmptyPaths: true,
    defaultValidationErrorResponse: problemResponse(
      'VALIDATION: the request is not valid',
    ) as never,
  })) as unknown as OpenApiDocument;
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item)) addToolkitResponses(method, operation);
  }
  Object.assign(document.paths, options.paths);
  for (const [route, callers] of Object.entries(options.internal ?? {})) {
    const found = operationOf(document, route);
    if (found) addAccess(found, callers);
  }
  for (const route of options.consumers ?? []) {
    const found = operationOf(document, route);
    if (found) found.responses['489'] ??= problemResponse('UNPROCESSABLE_MESSAGE: never retried');
  }
  for (const [route, limits] of Object.entries(options.rateLimited ?? {})) {
    const found = operationOf(document, route);
    if (found) addRateLimits(found, limits);
  }
  delete document.tags;
  return document;
}
