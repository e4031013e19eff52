import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVectors,
  mergeCarts,
  type CartState,
} from '../../../../shared/consistency/index.ts';
import { commands, expectEveryWriteAccountedFor, replay, type Outcome } from './cart-history.ts';

const history = fc.array(commands(3, 3), { maxLength: 80 });
const index = fc.nat();
const pick = (outcome: Outcome, n: number) =>
  outcome.snapshots[n % outcome.snapshots.length] as CartState;

describe('cart laws, over states reachable by any history', () => {
  it('merge is commutative', () => {
    fc.assert(
      fc.property(history, index, index, (h, i, j) => {
        const outcome = replay(h, 3, 3);
        const [a, b] = [pick(outcome, i), pick(outcome, j)];
        expect(mergeCarts(a, b)).toEqual(mergeCarts(b, a));
      }),
    );
  });

  it('merge is associative', () => {
    fc.assert(
      fc.property(history, index, index, index, (h, i, j, k) => {
        const outcome = replay(h, 3, 3);
        const [a, b, c] = [pick(outcome, i), pick(outcome, j), pick(outcome, k)];
        expect(mergeCarts(mergeCarts(a, b), c)).toEqual(mergeCarts(a, mergeCarts(b, c)));
      }),
    );
  });

  it('merge is idempotent', () => {
    fc.assert(
      fc.property(history, index, (h, i) => {
        const a = pick(replay(h, 3, 3), i);
        expect(mergeCarts(a, a)).toEqual(a);
      }),
    );
  });

  it('each side is at or before the merge, and every put and remove only moves a state forward', () => {
    fc.assert(
      fc.property(history, index, index, (h, i, j) => {
        const outcome = replay(h, 3, 3);
        const [a, b] = [pick(outcome, i), pick(outcome, j)];
        expect(['before', 'equal']).toContain(compareVectors(a.context, mergeCarts(a, b).context));
        for (const [before, after] of outcome.steps)
          expect(mergeCarts(before, after)).toEqual(after);
      }),
    );
  });

  it('replicas that exchanged all states converge, with no acknowledged put lost and every remove honoured', () => {
    fc.assert(
      fc.property(history, (h) => {
        expectEveryWriteAccountedFor(replay(h, 3, 3));
      }),
      { numRuns: 300 },
    );
  });

  it('a thousand random operations by five clients across two partitioned regions all end up accounted for', () => {
    fc.assert(
      fc.property(fc.array(commands(2, 5), { minLength: 1000, maxLength: 1000 }), (h) => {
        const outcome = replay(h, 2, 5);
        expect(outcome.writes.length).toBeGreaterThan(100);
        expectEveryWriteAccountedFor(outcome);
      }),
      { numRuns: 10 },
    );
  });
});
