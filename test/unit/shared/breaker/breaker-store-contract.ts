// The one contract every BreakerStore passes: memory in unit tests, Upstash Redis in integration.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BreakerState } from '../../../../shared/breaker/state.ts';
import type { BreakerStore } from '../../../../shared/breaker/store.ts';
import { summarize } from '../../../../shared/breaker/window.ts';

const t0 = 1_700_000_000_000;

function open(epoch: number, until = t0 + 1_000): BreakerState {
  return { kind: 'OPEN', epoch, since: t0, opens: 1, until };
}

export function breakerStoreContract(name: string, makeStore: () => BreakerStore): void {
  describe(`BreakerStore contract: ${name}`, () => {
    const scope = () => `contract-${randomUUID()}`;

    it('has no state for a scope never written', async () => {
      expect(await makeStore().load(scope())).toBeUndefined();
    });

    it('accepts a transition to the next epoch once and hands the state back intact', async () => {
      const store = makeStore();
      const s = scope();
      expect(await store.transition(s, open(1))).toBe(true);
      expect(await store.transition(s, open(1, t0 + 5))).toBe(false);
      expect(await store.load(s)).toEqual(open(1));
    });

    it('lets exactly one of many concurrent isolates win the same transition', async () => {
      const stores = Array.from({ length: 5 }, () => makeStore());
      const s = scope();
      const wins = await Promise.all(
        stores.map((store, i) => store.transition(s, { ...open(1), since: t0 + i })),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('rejects a transition from an epoch that is no longer current', async () => {
      const store = makeStore();
      const s = scope();
      await store.transition(s, open(1));
      await store.transition(s, open(2));
      expect(await store.transition(s, open(2))).toBe(false);
      expect((await store.load(s))?.epoch).toBe(2);
    });

    it('finds the newest state after a long chain of transitions, from another isolate', async () => {
      const writer = makeStore();
      const s = scope();
      for (let epoch = 1; epoch <= 20; epoch += 1)
        expect(await writer.transition(s, open(epoch))).toBe(true);
      expect((await makeStore().load(s))?.epoch).toBe(20);
    });

    it('keeps the last N outcomes of a count window across batches and isolates', async () => {
      const [a, b] = [makeStore(), makeStore()];
      const s = scope();
      const spec = { type: 'count' as const, size: 4 };
      await a.record(
        s,
        0,
        [
          { code: 'f', at: t0 },
          { code: 's', at: t0 },
        ],
        spec,
        t0,
      );
      const window = await b.record(
        s,
        0,
        [
          { code: 'S', at: t0 },
          { code: 'F', at: t0 },
          { code: 's', at: t0 },
        ],
        spec,
        t0,
      );
      expect(window).toEqual({ type: 'count', codes: 'sSFs' });
      expect(await a.record(s, 1, [], spec, t0)).toEqual({ type: 'count', codes: '' });
    });

    it('sums a time window per second and drops seconds that slid out', async () => {
      const store = makeStore();
      const s = scope();
      const spec = { type: 'time' as const, size: 2 };
      await store.record(s, 0, [{ code: 'f', at: t0 }], spec, t0);
      await store.record(
        s,
        0,
        [
          { code: 'F', at: t0 + 1_000 },
          { code: 's', at: t0 + 1_200 },
        ],
        spec,
        t0 + 1_200,
      );
      const window = await store.record(s, 0, [{ code: 'S', at: t0 + 2_000 }], spec, t0 + 2_000);
      expect(summarize(window)).toEqual({ calls: 3, failures: 1, slowCalls: 2 });
    });

    it('grants no more probe permits than the budget to concurrent isolates', async () => {
      const stores = Array.from({ length: 8 }, () => makeStore());
      const s = scope();
      const granted = await Promise.all(stores.map((store) => store.acquireProbe(s, 3, 2, 5_000)));
      expect(granted.filter(Boolean)).toHaveLength(2);
      expect(await stores[0]!.acquireProbe(s, 5, 2, 5_000)).toBe(true);
    });

    it('gathers probe outcomes of one HALF_OPEN epoch in order', async () => {
      const [a, b] = [makeStore(), makeStore()];
      const s = scope();
      expect(await a.recordProbe(s, 2, 's', 5_000)).toBe('s');
      expect(await b.recordProbe(s, 2, 'f', 5_000)).toBe('sf');
      expect(await b.recordProbe(s, 4, 'S', 5_000)).toBe('S');
    });

    it('keeps scopes apart', async () => {
      const store = makeStore();
      const [s1, s2] = [scope(), scope()];
      await store.transition(s1, open(1));
      expect(await store.load(s2)).toBeUndefined();
    });
  });
}
