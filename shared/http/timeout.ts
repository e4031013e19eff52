import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { Policy } from './policy.ts';

/** Runs `fn` with a signal that aborts after `ms` or when the outer signal aborts. */
async function withAbortAfter<T>(
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  outer: AbortSignal | undefined,
  describe: () => EdgeMeshError,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(describe());
  }, ms);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (timedOut && !outer?.aborted) {
      const timeout = describe();
      throw new EdgeMeshError('TIMEOUT', timeout.message, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/**
 * Aborts the work after `ms` (1–600,000) and throws TIMEOUT; the abort reaches the real request.
 * @example timeoutPolicy(2_000).execute((signal) => fetch(url, { signal }))
 */
export function timeoutPolicy(ms: number): Policy {
  if (!Number.isFinite(ms) || ms < 1 || ms > 600_000) {
    throw new EdgeMeshError('CONFIG', `timeout must be 1 to 600000 ms, got ${ms}`);
  }
  return {
    execute: (fn, signal) =>
      withAbortAfter(
        ms,
        fn,
        signal,
        () => new EdgeMeshError('TIMEOUT', `Timed out after ${ms} ms.`),
      ),
  };
}

/**
 * Runs work only before `deadlineAt` (ms since the epoch): past it, throws TIMEOUT without
 * calling `fn`; otherwise aborts the work when the deadline passes.
 */
export function deadlinePolicy(deadlineAt: number, now: () => number = () => Date.now()): Policy {
  return {
    execute(fn, signal) {
      const remaining = deadlineAt - now();
      if (remaining <= 0) {
        return Promise.reject(
          new EdgeMeshError('TIMEOUT', 'Deadline exceeded before the call was sent.'),
        );
      }
      return withAbortAfter(
        remaining,
        fn,
        signal,
        () => new EdgeMeshError('TIMEOUT', 'Deadline exceeded.'),
      );
    },
  };
}
