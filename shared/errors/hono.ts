import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EdgeMeshError, isEdgeMeshError } from './edgemesh-error.ts';
import { problemResponse, toProblem } from './problem.ts';
import { traceIdOfTraceparent } from '../telemetry/traceparent.ts';

/** The request's trace id: from the telemetry scope, else from a valid incoming `traceparent`. */
export function traceIdOf(c: Context): string | undefined {
  // The telemetry middleware's scope knows the trace id even when this request started the trace.
  const scope = (c.var as { telemetry?: { traceId?: string } }).telemetry;
  if (scope?.traceId) return scope.traceId;
  return traceIdOfTraceparent(c.req.header('traceparent'));
}

function fromHttpException(error: HTTPException): EdgeMeshError {
  const code =
    error.status === 400
      ? 'VALIDATION'
      : error.status === 401
        ? 'UNAUTHORIZED'
        : error.status === 404
          ? 'NOT_FOUND'
          : error.status === 413
            ? 'PAYLOAD_TOO_LARGE'
            : error.status === 415
              ? 'UNSUPPORTED_MEDIA_TYPE'
              : 'INTERNAL';
  return new EdgeMeshError(code, error.message || 'Request rejected.', { cause: error });
}

export interface ProblemHandlerOptions {
  /** Called with every error that renders as a 5xx, for logging. Default: console.error. */
  onServerError?: (error: unknown, c: Context) => void;
}

/** Hono `onError` that renders every error as RFC 9457 problem+json. */
export function problemErrorHandler({
  onServerError = (error) => console.error(error),
}: ProblemHandlerOptions = {}): ErrorHandler {
  return function renderProblem(error, c) {
    const known = isEdgeMeshError(error)
      ? error
      : error instanceof HTTPException
        ? fromHttpException(error)
        : error;
    const problem = toProblem(known, { instance: c.req.path, traceId: traceIdOf(c) });
    if (problem.status >= 500) onServerError(error, c);
    return problemResponse(problem, isEdgeMeshError(known) ? known.headers : {});
  };
}

/** Hono `notFound` that answers unknown routes with a NOT_FOUND problem. */
export const problemNotFound: NotFoundHandler = function renderNotFound(c) {
  const error = new EdgeMeshError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
  return problemResponse(toProblem(error, { instance: c.req.path, traceId: traceIdOf(c) }));
};
