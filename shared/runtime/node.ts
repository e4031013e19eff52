import type { Env, Runtime } from './runtime.ts';

/** Node runtime (self-hosted containers, tests): waitUntil tracks promises for a clean drain. */
export function nodeRuntime(): Runtime & { drain(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  return {
    name: 'node',
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    waitUntil(promise) {
      const tracked: Promise<unknown> = promise
        .catch(() => {})
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async drain() {
      await Promise.all([...pending]);
    },
  };
}

/** Node's environment as a plain object. */
export function nodeEnv(): Env {
  return { ...process.env };
}
