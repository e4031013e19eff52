import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVectors,
  counterOf,
  emptyVector,
  incrementVector,
  mergeVectors,
  vectorOf,
  type Causality,
} from '../../../../shared/consistency/index.ts';
import { hasCode } from '../../../../shared/errors/index.ts';

const replicas = ['a', 'b', 'c', 'd', 'eu-west', 'us-east'];
const vector = fc
  .dictionary(fc.constantFrom(...replicas), fc.nat({ max: 6 }))
  .map((counters) => vectorOf(counters));
const inverse: Record<Causality, Causality> = {
  before: 'after',
  after: 'before',
  equal: 'equal',
  concurrent: 'concurrent',
};

describe('version vectors', () => {
  it('counts the events of each replica', () => {
    const v = incrementVector(incrementVector(incrementVector(emptyVector, 'eu'), 'eu'), 'us');
    expect(counterOf(v, 'eu')).toBe(2);
    expect(counterOf(v, 'us')).toBe(1);
    expect(counterOf(v, 'ap')).toBe(0);
    expect(v).toEqual(vectorOf({ us: 1, eu: 2 }));
  });

  it('orders a vector before the one that followed it and after the one it followed', () => {
    const read = vectorOf({ eu: 2, us: 1 });
    const written = incrementVector(read, 'us');
    expect(compareVectors(read, written)).toBe('before');
    expect(compareVectors(written, read)).toBe('after');
    expect(compareVectors(read, vectorOf({ us: 1, eu: 2 }))).toBe('equal');
  });

  it('calls two writes that did not see each other concurrent, and their merge after both', () => {
    const base = vectorOf({ eu: 1 });
    const inEurope = incrementVector(base, 'eu');
    const inAmerica = incrementVector(base, 'us');
    expect(compareVectors(inEurope, inAmerica)).toBe('concurrent');
    const merged = mergeVectors(inEurope, inAmerica);
    expect(merged).toEqual(vectorOf({ eu: 2, us: 1 }));
    expect(compareVectors(inEurope, merged)).toBe('before');
    expect(compareVectors(merged, inAmerica)).toBe('after');
  });

  it('drops zero counters so equal knowledge is deep-equal', () => {
    expect(vectorOf({ eu: 0, us: 3 })).toEqual(vectorOf({ us: 3 }));
    expect(vectorOf({ eu: 0 })).toEqual(emptyVector);
  });

  it('rejects a malformed replica id or counter with VALIDATION', () => {
    expect(() => vectorOf({ 'no spaces': 1 })).toThrow(/replica id/);
    expect(() => vectorOf({ eu: -1 })).toThrow(/counters/);
    expect(() => vectorOf({ eu: 1.5 })).toThrow(/counters/);
    expect(() => incrementVector(emptyVector, '')).toThrow(/replica id/);
    try {
      incrementVector(vectorOf({ eu: Number.MAX_SAFE_INTEGER }), 'eu');
      expect.unreachable();
    } catch (error) {
      expect(hasCode(error, 'VALIDATION')).toBe(true);
    }
  });

  it('never mutates its inputs', () => {
    const v = vectorOf({ eu: 1 });
    const copy = structuredClone(v);
    incrementVector(v, 'eu');
    mergeVectors(v, vectorOf({ us: 4 }));
    expect(v).toEqual(copy);
  });
});

describe('version vector laws', () => {
  it('merge is commutative', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        expect(mergeVectors(a, b)).toEqual(mergeVectors(b, a));
      }),
    );
  });

  it('merge is associative', () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(mergeVectors(mergeVectors(a, b), c)).toEqual(mergeVectors(a, mergeVectors(b, c)));
      }),
    );
  });

  it('merge is idempotent', () => {
    fc.assert(
      fc.property(vector, (a) => {
        expect(mergeVectors(a, a)).toEqual(a);
      }),
    );
  });

  it('each side is at or before the merge (compare agrees with merge)', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const merged = mergeVectors(a, b);
        expect(['before', 'equal']).toContain(compareVectors(a, merged));
        expect(['after', 'equal']).toContain(compareVectors(merged, b));
      }),
    );
  });

  it('a is before or equal to b exactly when merging b into a changes nothing of b', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const atMost = ['before', 'equal'].includes(compareVectors(a, b));
        expect(atMost).toBe(JSON.stringify(mergeVectors(a, b)) === JSON.stringify(b));
      }),
    );
  });

  it('compare is antisymmetric and equal means deep-equal', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const order = compareVectors(a, b);
        expect(compareVectors(b, a)).toBe(inverse[order]);
        expect(order === 'equal').toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });

  it('an increment is always after the vector it came from', () => {
    fc.assert(
      fc.property(vector, fc.constantFrom(...replicas), (a, replica) => {
        expect(compareVectors(a, incrementVector(a, replica))).toBe('before');
      }),
    );
  });

  it('compare is transitive on before', () => {
    const replica = fc.constantFrom(...replicas);
    fc.assert(
      fc.property(vector, vector, vector, replica, replica, (a, x, y, r, s) => {
        const b = incrementVector(mergeVectors(a, x), r);
        const c = incrementVector(mergeVectors(b, y), s);
        expect(compareVectors(a, b)).toBe('before');
        expect(compareVectors(b, c)).toBe('before');
        expect(compareVectors(a, c)).toBe('before');
      }),
    );
  });

  it('merge keeps entries sorted and free of zeros (one canonical form)', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const { entries } = mergeVectors(a, b);
        const ids = entries.map(([id]) => id);
        expect(ids).toEqual([...ids].sort());
        expect(new Set(ids).size).toBe(ids.length);
        expect(entries.every(([, n]) => n > 0)).toBe(true);
      }),
    );
  });
});
