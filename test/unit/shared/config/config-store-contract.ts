// The one contract every ConfigStore passes: memory in unit tests; Upstash Redis (real Redis and
// the embedded engine, through the devstack's REST endpoint) and etcd in integration tests.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry, ConfigStore } from '../../../../shared/config/config-store.ts';

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  return promise.then(
    () => ({ code: 'resolved' }),
    (error: unknown) => ({ ...(error as object), code: (error as { code?: unknown }).code }),
  );
}

/** Collects what `watch` yields until `count` entries arrived. */
function watchFor(
  store: ConfigStore,
  keys: string[],
  count: number,
  since?: number[],
): { entries: ConfigEntry[]; started: Promise<void> } {
  const controller = new AbortController();
  const entries: ConfigEntry[] = [];
  const started = (async () => {
    for await (const entry of store.watch(keys, { signal: controller.signal, since })) {
      entries.push(entry);
      if (entries.length >= count) break;
    }
  })();
  const timeout = setTimeout(() => controller.abort(), 10_000);
  return {
    entries,
    started: started.finally(() => {
      clearTimeout(timeout);
      controller.abort();
    }),
  };
}

export function configStoreContract(name: string, makeStore: () => ConfigStore): void {
  describe(`ConfigStore contract: ${name}`, () => {
    const key = () => `contract/${randomUUID()}`;

    it('knows nothing of a key never written', async () => {
      const store = makeStore();
      const k = key();
      expect(await store.heads([k])).toEqual([0]);
      expect(await store.get(k)).toBeUndefined();
      expect(await store.get(k, { revision: 1 })).toBeUndefined();
      expect(await store.history(k)).toEqual([]);
    });

    it('hands back exactly the text written, revision after revision', async () => {
      const store = makeStore();
      const k = key();
      const texts = ['{"a": 1,  "b":[true]}', '007', 'plain text ✓ 日本', '', '"quoted"', 'null'];
      for (const [i, text] of texts.entries()) {
        expect(await store.put(k, text, i)).toBe(i + 1);
      }
      expect(await store.get(k)).toEqual({ key: k, revision: texts.length, value: 'null' });
      for (const [i, text] of texts.entries()) {
        expect(await store.get(k, { revision: i + 1 })).toEqual({
          key: k,
          revision: i + 1,
          value: text,
        });
      }
    });

    it('refuses a write at a stale revision, naming the current one, and writes nothing', async () => {
      const store = makeStore();
      const k = key();
      await store.put(k, 'one', 0);
      await store.put(k, 'two', 1);
      const error = await failure(store.put(k, 'stale', 1));
      expect(error).toMatchObject({ code: 'CONFLICT', currentRevision: 2, expectedRevision: 1 });
      expect(await store.get(k)).toEqual({ key: k, revision: 2, value: 'two' });
    });

    it('refuses a write that names a revision not reached yet, leaving no gap', async () => {
      const store = makeStore();
      const k = key();
      await store.put(k, 'one', 0);
      expect(await failure(store.put(k, 'ahead', 5))).toMatchObject({
        code: 'CONFLICT',
        currentRevision: 1,
      });
      expect(await store.heads([k])).toEqual([1]);
      expect(await store.put(k, 'two', 1)).toBe(2);
    });

    it('refuses a negative or fractional expected revision as invalid', async () => {
      const store = makeStore();
      expect(await failure(store.put(key(), 'x', -1))).toMatchObject({ code: 'VALIDATION' });
      expect(await failure(store.put(key(), 'x', 1.5))).toMatchObject({ code: 'VALIDATION' });
    });

    it('lets exactly one of many concurrent writers at the same revision win', async () => {
      const stores = Array.from({ length: 6 }, () => makeStore());
      const k = key();
      await stores[0]!.put(k, 'base', 0);
      const outcomes = await Promise.all(
        stores.map((store, i) => failure(store.put(k, `writer ${i}`, 1))),
      );
      expect(outcomes.filter((o) => o.code === 'resolved')).toHaveLength(1);
      expect(outcomes.filter((o) => o.code === 'CONFLICT')).toHaveLength(5);
      const winner = outcomes.findIndex((o) => o.code === 'resolved');
      expect(await stores[3]!.get(k)).toEqual({ key: k, revision: 2, value: `writer ${winner}` });
    });

    it('reports the heads of several keys in the order asked', async () => {
      const store = makeStore();
      const [a, b, c] = [key(), key(), key()];
      await store.put(a, '1', 0);
      await store.put(c, '1', 0);
      await store.put(c, '2', 1);
      expect(await store.heads([a, b, c])).toEqual([1, 0, 2]);
      expect(await store.heads([])).toEqual([]);
    });

    it('lists history newest first, limited, and below a revision', async () => {
      const store = makeStore();
      const k = key();
      for (let r = 0; r < 5; r += 1) await store.put(k, `v${r + 1}`, r);
      const values = (entries: ConfigEntry[]) => entries.map((e) => `${e.revision}:${e.value}`);
      expect(values(await store.history(k))).toEqual(['5:v5', '4:v4', '3:v3', '2:v2', '1:v1']);
      expect(values(await store.history(k, { limit: 2 }))).toEqual(['5:v5', '4:v4']);
      expect(values(await store.history(k, { limit: 2, before: 4 }))).toEqual(['3:v3', '2:v2']);
    });

    it('keeps keys apart', async () => {
      const store = makeStore();
      const [a, b] = [key(), key()];
      await store.put(a, 'a', 0);
      expect(await store.get(b)).toBeUndefined();
      expect(await store.put(b, 'b', 0)).toBe(1);
    });

    it('tells a watcher of a write made through another client', async () => {
      const [watcher, writer] = [makeStore(), makeStore()];
      const [a, b] = [key(), key()];
      await writer.put(a, 'before', 0);
      const watching = watchFor(watcher, [a, b], 2, [1, 0]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writer.put(b, 'b1', 0);
      await writer.put(a, 'after', 1);
      await watching.started;
      const seen = new Map(watching.entries.map((e) => [e.key, e]));
      expect(seen.get(b)).toEqual({ key: b, revision: 1, value: 'b1' });
      expect(seen.get(a)).toEqual({ key: a, revision: 2, value: 'after' });
    });

    it('gives a new watcher the newest revision it does not know yet', async () => {
      const store = makeStore();
      const k = key();
      await store.put(k, 'one', 0);
      await store.put(k, 'two', 1);
      const watching = watchFor(store, [k], 1);
      await watching.started;
      expect(watching.entries).toEqual([{ key: k, revision: 2, value: 'two' }]);
    });
  });
}
