/** The one shape of every resilience policy: run `fn` under the policy, passing a signal that aborts it. */
export interface Policy {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

// Created lazily: workerd forbids some work in global scope.
const neverAborted = () => new AbortController().signal;

/** A policy that just runs `fn`. */
export const noopPolicy: Policy = {
  execute: (fn, signal) => fn(signal ?? neverAborted()),
};

/**
 * Composes policies into one; the first is the outermost.
 * @example wrap(retryPolicy(...), breaker, timeoutPolicy(1_000)).execute((signal) => fetch(url, { signal }))
 */
export function wrap(...policies: readonly Policy[]): Policy {
  return {
    execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      const run = policies.reduceRight<(s: AbortSignal) => Promise<T>>(
        (inner, policy) => (s) => policy.execute(inner, s),
        fn,
      );
      return run(signal ?? neverAborted());
    },
  };
}
