import { describe, expect, it } from 'vitest';
import {
  dvvContext,
  dvvDiscard,
  dvvEqual,
  dvvLess,
  dvvLww,
  dvvReconcile,
  dvvSize,
  dvvSync,
  dvvUpdate,
  dvvValues,
  emptyDvvSet,
  emptyVector,
  vectorOf,
  type DvvSet,
} from '../../../../shared/consistency/index.ts';

const set = <T>(entries: [string, number, T[]][]): DvvSet<T> => ({
  entries: entries.map(([replica, counter, values]) => ({ replica, counter, values })),
});
const sorted = (values: unknown[]) => values.map(String).sort();

describe('dotted version vector sets', () => {
  it('a write that read the current value replaces it', () => {
    const first = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'v1', 'a');
    const second = dvvUpdate(first, dvvContext(first), 'v2', 'a');
    expect(dvvValues(second)).toEqual(['v2']);
    expect(dvvContext(second)).toEqual(vectorOf({ a: 2 }));
  });

  it('a write that missed another keeps it as a sibling, and replaces only what it read', () => {
    // Mary writes v1; Peter reads it; Mary writes v2 blind; Peter writes v3 over what he read.
    const v1 = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'v1', 'a');
    const petersRead = dvvContext(v1);
    const v2 = dvvUpdate(v1, emptyVector, 'v2', 'a');
    expect(sorted(dvvValues(v2))).toEqual(['v1', 'v2']);
    const v3 = dvvUpdate(v2, petersRead, 'v3', 'a');
    expect(v3).toEqual(set([['a', 3, ['v3', 'v2']]]));
  });

  it('keeps concurrent writes of two replicas after a sync in either order', () => {
    const inA = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'from a', 'a');
    const inB = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'from b', 'b');
    expect(dvvSync(inA, inB)).toEqual(dvvSync(inB, inA));
    expect(sorted(dvvValues(dvvSync(inA, inB)))).toEqual(['from a', 'from b']);
    expect(dvvContext(dvvSync(inA, inB))).toEqual(vectorOf({ a: 1, b: 1 }));
  });

  it('a sync drops a value the other replica has seen replaced', () => {
    const old = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'old', 'a');
    const replaced = dvvUpdate(old, dvvContext(old), 'new', 'a');
    expect(dvvValues(dvvSync(old, replaced))).toEqual(['new']);
    expect(dvvValues(dvvSync(replaced, old))).toEqual(['new']);
  });

  it('a write served by another replica replaces what the client read elsewhere', () => {
    const inA = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'first', 'a');
    const inB = dvvUpdate(dvvSync(emptyDvvSet(), inA), dvvContext(inA), 'second', 'b');
    expect(dvvValues(inB)).toEqual(['second']);
    expect(dvvValues(dvvSync(inA, inB))).toEqual(['second']);
  });

  it('a delete removes what the deleter saw and keeps a concurrent write', () => {
    const inA = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'seen', 'a');
    const inB = dvvUpdate(dvvSync(emptyDvvSet(), inA), emptyVector, 'unseen', 'b');
    const deleted = dvvDiscard(inA, dvvContext(inA));
    expect(dvvValues(deleted)).toEqual([]);
    expect(dvvValues(dvvSync(deleted, inB))).toEqual(['unseen']);
  });

  it('a deleted value does not come back from a replica that missed the delete', () => {
    const stale = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'gone', 'a');
    const deleted = dvvDiscard(stale, dvvContext(stale));
    expect(dvvSize(dvvSync(stale, deleted))).toBe(0);
    expect(dvvContext(dvvSync(stale, deleted))).toEqual(vectorOf({ a: 1 }));
  });

  it('a context from another replica discards the values it covers before they arrive', () => {
    const local = set([['b', 3, ['b3', 'b2']]]);
    expect(dvvUpdate(local, vectorOf({ b: 5 }), 'mine', 'a')).toEqual(
      set([
        ['a', 1, ['mine']],
        ['b', 5, []],
      ]),
    );
  });

  it('reconcile writes one value over all siblings, as a new event of the replica', () => {
    const siblings = set([
      ['a', 4, [5, 2]],
      ['b', 1, []],
      ['c', 1, [3]],
    ]);
    const reconciled = dvvReconcile(siblings, (values) => values.reduce((x, y) => x + y, 0), 'b');
    expect(reconciled).toEqual(
      set([
        ['a', 4, []],
        ['b', 2, [10]],
        ['c', 1, []],
      ]),
    );
    expect(dvvValues(dvvSync(siblings, reconciled))).toEqual([10]);
    expect(dvvReconcile(emptyDvvSet<number>(), () => 0, 'a')).toEqual(emptyDvvSet());
  });

  it('two replicas reconciling the same siblings agree on the value', () => {
    const siblings = set([
      ['a', 2, ['x']],
      ['b', 1, ['y']],
    ]);
    const join = (values: string[]) => [...values].sort().join('+');
    const both = dvvSync(dvvReconcile(siblings, join, 'a'), dvvReconcile(siblings, join, 'b'));
    expect(dvvValues(both)).toEqual(['x+y', 'x+y']);
    expect(dvvValues(dvvReconcile(both, (values) => values[0] as string, 'a'))).toEqual(['x+y']);
  });

  it('last-write-wins keeps the greatest sibling in its own event', () => {
    const byTime = (a: [string, number], b: [string, number]) => a[1] <= b[1];
    const siblings = set<[string, number]>([
      [
        'a',
        4,
        [
          ['five', 1002345],
          ['seven', 1002340],
        ],
      ],
      ['b', 1, [['four', 1001340]]],
      ['c', 2, [['two', 1001140]]],
    ]);
    const winner = dvvLww(siblings, byTime);
    expect(winner).toEqual(
      set([
        ['a', 4, [['five', 1002345]]],
        ['b', 1, []],
        ['c', 2, []],
      ]),
    );
    expect(dvvValues(dvvSync(siblings, winner))).toEqual([['five', 1002345]]);
    expect(dvvLww(emptyDvvSet<number>(), (a, b) => a <= b)).toEqual(emptyDvvSet());
  });

  it('less means strictly older history, ignoring the values', () => {
    const a = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'v1', 'a');
    const b = dvvUpdate(a, dvvContext(a), 'v2', 'a');
    const c = dvvUpdate(emptyDvvSet<string>(), emptyVector, 'v3', 'c');
    expect(dvvLess(a, b)).toBe(true);
    expect(dvvLess(b, a)).toBe(false);
    expect(dvvLess(a, a)).toBe(false);
    expect(dvvLess(a, c)).toBe(false);
    expect(dvvEqual(a, set([['a', 1, ['other']]]))).toBe(true);
    expect(dvvEqual(a, b)).toBe(false);
  });

  it('rejects a bad replica id', () => {
    expect(() => dvvUpdate(emptyDvvSet(), emptyVector, 1, 'not ok')).toThrow(/replica id/);
  });
});
