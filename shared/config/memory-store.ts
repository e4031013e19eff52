import {
  checkRevision,
  ConfigConflictError,
  type ConfigEntry,
  type ConfigStore,
} from './config-store.ts';

/** Runs `fn` on a later microtask, as an I/O-backed store would, turning throws into rejections. */
const later = <T>(fn: () => T): Promise<T> => Promise.resolve().then(fn);

/** The memory store's extra: writes a revision as any value, bypassing the API (tests only). */
export interface MemoryConfigStore extends ConfigStore {
  /** Appends `value` as the next revision of `key` without any check, as a stray writer would. */
  writeBehind(key: string, value: string): number;
}

/** In-memory ConfigStore; one instance shared by several readers stands in for Redis in tests. */
export function memoryConfigStore(): MemoryConfigStore {
  const chains = new Map<string, string[]>();
  const waiters = new Set<() => void>();
  const chainOf = (key: string) => chains.get(key) ?? [];
  const append = (key: string, value: string) => {
    const chain = chainOf(key);
    chains.set(key, [...chain, value]);
    for (const wake of [...waiters]) wake();
    return chain.length + 1;
  };
  const entryAt = (key: string, revision: number): ConfigEntry | undefined => {
    const value = chainOf(key)[revision - 1];
    return value === undefined ? undefined : { key, revision, value };
  };
  const changed = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });

  return {
    description: 'memory',
    heads: (keys, signal) =>
      later(() => {
        signal?.throwIfAborted();
        return keys.map((key) => chainOf(key).length);
      }),
    get: (key, { revision, signal } = {}) =>
      later(() => {
        signal?.throwIfAborted();
        return entryAt(key, revision ?? chainOf(key).length);
      }),
    put: (key, value, expectedRevision, signal) =>
      later(() => {
        signal?.throwIfAborted();
        checkRevision(expectedRevision, 'expected revision');
        const current = chainOf(key).length;
        if (current !== expectedRevision) {
          throw new ConfigConflictError(key, expectedRevision, current);
        }
        return append(key, value);
      }),
    history: (key, { limit = 20, before, signal } = {}) =>
      later(() => {
        signal?.throwIfAborted();
        const newest = Math.min(chainOf(key).length, (before ?? Infinity) - 1);
        const entries: ConfigEntry[] = [];
        for (let revision = newest; revision >= 1 && entries.length < limit; revision -= 1) {
          entries.push(entryAt(key, revision)!);
        }
        return entries;
      }),
    async *watch(keys, { since, signal }) {
      const known = keys.map((_, i) => since?.[i] ?? 0);
      while (!signal.aborted) {
        const next = changed(signal);
        for (const [i, key] of keys.entries()) {
          const head = chainOf(key).length;
          if (head > known[i]!) {
            known[i] = head;
            yield entryAt(key, head)!;
          }
        }
        await next;
      }
    },
    writeBehind: append,
  };
}
