import type { Context, MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Header carrying the caller's remaining budget in whole ms, measured when the request was sent. */
export const deadlineHeader = 'x-edgemesh-deadline-ms';

/** What the deadline middleware puts on the context. */
export interface DeadlineVariables {
  /** When the caller gives up, ms since the epoch; absent when the request carried no deadline. */
  deadline?: number;
  /** Aborts when the deadline passes; hand it to every I/O call of the handler. */
  deadlineSignal?: AbortSignal;
}

/** Options of the inbound deadline middleware. */
export interface DeadlineMiddlewareOptions {
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * Inbound deadlines: a request whose `x-edgemesh-deadline-ms` is spent (≤ 0) is rejected with a
 * 504 TIMEOUT problem before the handler runs; otherwise `c.var.deadline` and
 * `c.var.deadlineSignal` tell the handler when the caller gives up. A malformed header is 400.
 */
export function deadlineMiddleware({
  now = () => Date.now(),
}: DeadlineMiddlewareOptions = {}): MiddlewareHandler<{
  Variables: DeadlineVariables;
}> {
  return async function deadline(c, next) {
    const raw = c.req.header(deadlineHeader);
    if (raw === undefined) return next();
    if (!/^-?\d+$/.test(raw.trim())) {
      throw new EdgeMeshError('VALIDATION', `${deadlineHeader} must be whole milliseconds.`, {
        issues: [{ path: `header.${deadlineHeader}`, message: 'expected an integer' }],
      });
    }
    const remaining = Number(raw);
    if (remaining <= 0) {
      throw new EdgeMeshError(
        'TIMEOUT',
        'The caller’s deadline passed before this request could start.',
      );
    }
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new EdgeMeshError('TIMEOUT', 'The caller’s deadline passed.')),
      remaining,
    );
    c.set('deadline', now() + remaining);
    c.set('deadlineSignal', controller.signal);
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Headers to forward on outbound calls made while handling `c`: the remaining deadline and the
 * W3C trace context (`traceparent`, `tracestate`) of the inbound request.
 * @example await inventory.stock[':sku'].$get({ param: { sku } }, { headers: forwardHeaders(c) })
 */
export function forwardHeaders(
  c: Context,
  now: () => number = () => Date.now(),
): Record<string, string> {
  const headers: Record<string, string> = {};
  const deadline = (c.var as DeadlineVariables).deadline;
  if (deadline !== undefined)
    headers[deadlineHeader] = String(Math.max(0, Math.floor(deadline - now())));
  for (const name of ['traceparent', 'tracestate']) {
    const value = c.req.header(name);
    if (value) headers[name] = value;
  }
  return headers;
}
