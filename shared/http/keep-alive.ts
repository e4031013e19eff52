import type { Context } from 'hono';

/**
 * Keeps `promise` alive after the response: through the request's own execution context where
 * the platform gives one (workerd, the Deno and Node entries), else through `fallback` (tests
 * calling `app.request()` have none). A rejection is never left unhandled.
 */
export function keepAlive(
  c: Context,
  promise: Promise<unknown>,
  fallback?: (promise: Promise<unknown>) => void,
): void {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) ctx.waitUntil(promise);
  else if (fallback) fallback(promise);
  else promise.catch(() => {});
}
