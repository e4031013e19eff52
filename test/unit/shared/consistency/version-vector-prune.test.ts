import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVectors,
  counterOf,
  emptyVector,
  incrementVector,
  mergeVectors,
  pruneVector,
  vectorOf,
  type VersionVector,
} from '../../../../shared/consistency/index.ts';

describe('pruning a version vector', () => {
  it('leaves a vector that fits untouched and exact', () => {
    const v = vectorOf({ a: 1, b: 2 });
    expect(pruneVector(v, { maxEntries: 2 })).toBe(v);
  });

  it('keeps the kept replicas, then the highest counters, and marks the rest lost', () => {
    const v = vectorOf({ a: 9, b: 1, c: 5, d: 2 });
    expect(pruneVector(v, { maxEntries: 2, keep: ['b'] })).toEqual(
      vectorOf({ a: 9, b: 1 }, { truncated: true }),
    );
    expect(pruneVector(v, { maxEntries: 3 })).toEqual(
      vectorOf({ a: 9, c: 5, d: 2 }, { truncated: true }),
    );
  });

  it('breaks ties between equal counters by the smaller replica id', () => {
    const v = vectorOf({ z: 4, m: 4, a: 4 });
    expect(pruneVector(v, { maxEntries: 2 })).toEqual(
      vectorOf({ a: 4, m: 4 }, { truncated: true }),
    );
  });

  it('never calls a pruned vector before one it did not precede (where plain dropping loses a write)', () => {
    const newer = vectorOf({ r: 5, s: 2 });
    const older = vectorOf({ r: 3, s: 2 });
    expect(compareVectors(newer, older)).toBe('after');
    const pruned = pruneVector(newer, { maxEntries: 1, keep: ['s'] });
    // Dropping r without a mark would read { s: 2 } and put it before `older`.
    expect(compareVectors(vectorOf({ s: 2 }), older)).toBe('before');
    expect(compareVectors(pruned, older)).toBe('concurrent');
  });

  it('costs false concurrency: two truncated vectors are never ordered', () => {
    const x = pruneVector(vectorOf({ a: 1, b: 1, c: 1 }), { maxEntries: 2 });
    const y = incrementVector(x, 'a');
    expect(compareVectors(x, y)).toBe('concurrent');
    expect(compareVectors(x, x)).toBe('concurrent');
  });

  it('still orders an exact vector before a truncated one that visibly contains it', () => {
    const exact = vectorOf({ a: 1 });
    const truncated = pruneVector(vectorOf({ a: 2, b: 5, c: 1 }), { maxEntries: 2 });
    expect(compareVectors(exact, truncated)).toBe('before');
    expect(compareVectors(truncated, exact)).toBe('after');
  });

  it('rejects a negative or fractional bound', () => {
    expect(() => pruneVector(emptyVector, { maxEntries: -1 })).toThrow(/maxEntries/);
    expect(() => pruneVector(emptyVector, { maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});

type Command =
  | { kind: 'increment'; slot: number; replica: string }
  | { kind: 'merge'; into: number; from: number }
  | { kind: 'prune'; slot: number; maxEntries: number; keepOwn: boolean };

const replicas = ['a', 'b', 'c', 'd', 'e'];
const slots = 4;
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('increment' as const),
    slot: fc.nat({ max: slots - 1 }),
    replica: fc.constantFrom(...replicas),
  }),
  fc.record({
    kind: fc.constant('merge' as const),
    into: fc.nat({ max: slots - 1 }),
    from: fc.nat({ max: slots - 1 }),
  }),
  fc.record({
    kind: fc.constant('prune' as const),
    slot: fc.nat({ max: slots - 1 }),
    maxEntries: fc.nat({ max: 3 }),
    keepOwn: fc.boolean(),
  }),
);

/** Runs commands on real vectors and on copies that get pruned, side by side. */
function run(commands: Command[]): { real: VersionVector[]; kept: VersionVector[] } {
  const real: VersionVector[] = Array.from({ length: slots }, () => emptyVector);
  const kept = [...real];
  const own = (slot: number) => replicas[slot] as string;
  for (const c of commands) {
    if (c.kind === 'increment') {
      real[c.slot] = incrementVector(real[c.slot] as VersionVector, c.replica);
      kept[c.slot] = incrementVector(kept[c.slot] as VersionVector, c.replica);
    } else if (c.kind === 'merge') {
      real[c.into] = mergeVectors(real[c.into] as VersionVector, real[c.from] as VersionVector);
      kept[c.into] = mergeVectors(kept[c.into] as VersionVector, kept[c.from] as VersionVector);
    } else {
      const keep = c.keepOwn ? [own(c.slot)] : [];
      kept[c.slot] = pruneVector(kept[c.slot] as VersionVector, { maxEntries: c.maxEntries, keep });
    }
  }
  return { real, kept };
}

describe('pruning laws', () => {
  it('after any history of increments, merges and prunes, compare answers the truth or concurrent', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const { real, kept } = run(commands);
        for (let i = 0; i < slots; i += 1) {
          for (let j = 0; j < slots; j += 1) {
            const truth = compareVectors(real[i] as VersionVector, real[j] as VersionVector);
            const answer = compareVectors(kept[i] as VersionVector, kept[j] as VersionVector);
            expect([truth, 'concurrent']).toContain(answer);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a pruned vector only under-counts, and one never pruned is exact', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const { real, kept } = run(commands);
        real.forEach((truth, slot) => {
          const visible = kept[slot] as VersionVector;
          for (const [replica, counter] of visible.entries) {
            expect(counter).toBeLessThanOrEqual(counterOf(truth, replica));
          }
          if (!visible.truncated) expect(visible).toEqual(truth);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a pruned vector has at most maxEntries entries when the kept replicas fit', () => {
    const vector = fc
      .dictionary(fc.constantFrom(...replicas), fc.nat({ max: 9 }))
      .map((counters) => vectorOf(counters));
    fc.assert(
      fc.property(vector, fc.nat({ max: 5 }), fc.constantFrom(...replicas), (v, max, own) => {
        const pruned = pruneVector(v, { maxEntries: Math.max(1, max), keep: [own] });
        expect(pruned.entries.length).toBeLessThanOrEqual(Math.max(1, max));
        expect(counterOf(pruned, own)).toBe(counterOf(v, own));
      }),
    );
  });
});
