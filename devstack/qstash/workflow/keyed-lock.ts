/**
 * Mutual exclusion per key (a workflow run id): callers of `run` with a key in common take turns,
 * in call order. Keys are taken in sorted order, so two callers never wait for each other.
 */
export function createKeyedLock() {
  const tails = new Map<string, Promise<void>>();

  async function acquire(key: string): Promise<() => void> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    };
  }

  return {
    async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
      const releases: Array<() => void> = [];
      try {
        for (const key of [...new Set(keys)].sort()) releases.push(await acquire(key));
        return await fn();
      } finally {
        for (const release of releases.reverse()) release();
      }
    },
  };
}

/** A keyed lock. */
export type KeyedLock = ReturnType<typeof createKeyedLock>;
