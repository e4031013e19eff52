import type { ConfigEntry, ConfigStore, ConfigWatchOptions } from './config-store.ts';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `ConfigStore.watch` by polling: one `heads` round trip every `intervalMs`, and a `get` for
 * each key that moved. For stores without a change stream (Redis over REST). A failed round
 * trip ends the iteration with its error; the caller decides whether to watch again.
 */
export async function* pollWatch(
  store: Pick<ConfigStore, 'heads' | 'get'>,
  keys: readonly string[],
  { since, signal }: ConfigWatchOptions,
  intervalMs: number,
): AsyncGenerator<ConfigEntry> {
  const known = keys.map((_, i) => since?.[i] ?? 0);
  while (!signal.aborted) {
    const heads = await store.heads(keys, signal);
    for (const [i, key] of keys.entries()) {
      if ((heads[i] ?? 0) <= known[i]!) continue;
      const entry = await store.get(key, { signal });
      if (entry && entry.revision > known[i]!) {
        known[i] = entry.revision;
        yield entry;
      }
    }
    await pause(intervalMs, signal);
  }
}
