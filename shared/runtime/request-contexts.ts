import type { ExecutionContextLike } from './runtime.ts';

/**
 * The execution contexts of the requests an isolate is serving. Work handed to waitUntil outside
 * a handler's own `c.executionCtx` (a breaker or telemetry flush started by shared deps) is
 * attached to one of them: any pending waitUntil keeps the isolate alive until it settles.
 */
export function createRequestContexts() {
  const active = new Set<ExecutionContextLike>();
  let last: ExecutionContextLike | undefined;
  return {
    /** Runs `handle` with `ctx` registered as in flight. */
    async serve<T>(ctx: ExecutionContextLike, handle: () => Promise<T>): Promise<T> {
      active.add(ctx);
      last = ctx;
      try {
        return await handle();
      } finally {
        active.delete(ctx);
      }
    },
    /** Attaches `promise` to an in-flight request, else to the last one seen. */
    waitUntil(promise: Promise<unknown>): void {
      const guarded = promise.catch(() => {});
      const target = active.values().next().value ?? last;
      if (!target) return;
      try {
        target.waitUntil(guarded);
      } catch {
        // The last request's event has ended; the work still runs while the isolate lives.
      }
    },
  };
}
