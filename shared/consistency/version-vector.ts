import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { assertReplicaId, compareIds, type ReplicaId } from './replica-id.ts';

/** One entry of a version vector: a replica and how many of its events are known (≥ 1). */
export type VersionVectorEntry = readonly [replica: ReplicaId, counter: number];

/**
 * What a replica knows: for each replica `r` with counter `n`, events 1..n of `r`. Plain,
 * serialisable data in one canonical form: entries sorted by replica id, no zero counters,
 * so two vectors with the same knowledge are deep-equal.
 */
export interface VersionVector {
  /** Entries sorted by replica id; a replica without an entry has counter 0. */
  readonly entries: readonly VersionVectorEntry[];
  /**
   * True once {@link pruneVector} dropped entries from this vector or an ancestor of it: its
   * counters are then lower bounds of the real ones, and {@link compareVectors} only claims
   * an order it can prove.
   */
  readonly truncated: boolean;
}

/** How two version vectors relate: `before` means the first saw less than the second. */
export type Causality = 'before' | 'after' | 'equal' | 'concurrent';

/** One event of one replica: its `counter`-th. */
export type Dot = readonly [replica: ReplicaId, counter: number];

/** The vector of a replica that has seen nothing. */
export const emptyVector: VersionVector = Object.freeze({
  entries: Object.freeze([]),
  truncated: false,
});

function invalid(message: string, path: string): EdgeMeshError {
  return new EdgeMeshError('VALIDATION', `Invalid version vector: ${message}.`, {
    issues: [{ path, message }],
  });
}

/** Throws VALIDATION unless `counter` is an integer in 0..Number.MAX_SAFE_INTEGER. */
function assertCounter(counter: unknown, path: string): asserts counter is number {
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 0) {
    throw invalid('counters are integers from 0 to 2^53 - 1', path);
  }
}

/**
 * A version vector from `{ replica: counter }` (zero counters are dropped); throws
 * VALIDATION on a bad replica id or counter.
 * @example vectorOf({ 'eu-west': 3, 'us-east': 1 })
 */
export function vectorOf(
  counters: Readonly<Record<ReplicaId, number>>,
  { truncated = false }: { truncated?: boolean } = {},
): VersionVector {
  const entries: VersionVectorEntry[] = [];
  for (const [replica, counter] of Object.entries(counters)) {
    assertReplicaId(replica, `counters.${replica}`);
    assertCounter(counter, `counters.${replica}`);
    if (counter > 0) entries.push([replica, counter]);
  }
  entries.sort(([a], [b]) => compareIds(a, b));
  return { entries, truncated };
}

/** The counter of `replica` in `vector`: how many of its events the vector covers (0 if none). */
export function counterOf(vector: VersionVector, replica: ReplicaId): number {
  for (const [id, counter] of vector.entries) if (id === replica) return counter;
  return 0;
}

/** True when `vector` covers the event `dot` (knows `dot`'s replica up to at least its counter). */
export function coversDot(vector: VersionVector, [replica, counter]: Dot): boolean {
  return counterOf(vector, replica) >= counter;
}

/** `vector` with `replica`'s counter set to `counter` (which must not be lower than before). */
export function withCounter(
  vector: VersionVector,
  replica: ReplicaId,
  counter: number,
): VersionVector {
  const entries = vector.entries.filter(([id]) => id !== replica);
  if (counter > 0) entries.push([replica, counter]);
  entries.sort(([a], [b]) => compareIds(a, b));
  return { entries, truncated: vector.truncated };
}

/**
 * Records one new event of `replica`: its counter goes up by one. Throws VALIDATION on a bad
 * replica id, or when the counter would pass 2^53 - 1.
 */
export function incrementVector(vector: VersionVector, replica: ReplicaId): VersionVector {
  assertReplicaId(replica);
  const next = counterOf(vector, replica) + 1;
  if (!Number.isSafeInteger(next)) throw invalid('counter overflow', replica);
  return withCounter(vector, replica, next);
}

/**
 * The least vector that knows everything either knows: the pointwise maximum. A lattice
 * join (commutative, associative, idempotent); truncated if either input is.
 */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const entries: VersionVectorEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.entries.length || j < b.entries.length) {
    const left = a.entries[i];
    const right = b.entries[j];
    if (right === undefined || (left !== undefined && left[0] < right[0])) {
      entries.push(left as VersionVectorEntry);
      i += 1;
    } else if (left === undefined || right[0] < left[0]) {
      entries.push(right);
      j += 1;
    } else {
      entries.push([left[0], Math.max(left[1], right[1])]);
      i += 1;
      j += 1;
    }
  }
  return { entries, truncated: a.truncated || b.truncated };
}

/** Whether each side's entries are all ≤ the other's, walking both sorted lists once. */
function pointwise(a: VersionVector, b: VersionVector): { aAtMostB: boolean; bAtMostA: boolean } {
  let aAtMostB = true;
  let bAtMostA = true;
  let i = 0;
  let j = 0;
  while (i < a.entries.length || j < b.entries.length) {
    const left = a.entries[i];
    const right = b.entries[j];
    if (right === undefined || (left !== undefined && left[0] < right[0])) {
      aAtMostB = false;
      i += 1;
    } else if (left === undefined || right[0] < left[0]) {
      bAtMostA = false;
      j += 1;
    } else {
      if (left[1] > right[1]) aAtMostB = false;
      if (right[1] > left[1]) bAtMostA = false;
      i += 1;
      j += 1;
    }
  }
  return { aAtMostB, bAtMostA };
}

/**
 * How `a` relates to `b`: `before` when b saw everything a saw and more, `after` the reverse,
 * `equal`, or `concurrent`. A truncated vector's counters are only lower bounds, so an order
 * that the visible counters cannot prove is answered `concurrent` (never a false
 * `before`/`after`/`equal`, so a caller that keeps both sides of a `concurrent` pair never
 * drops a write because of pruning).
 */
export function compareVectors(a: VersionVector, b: VersionVector): Causality {
  const { aAtMostB, bAtMostA } = pointwise(a, b);
  if (!a.truncated && !b.truncated) {
    if (aAtMostB && bAtMostA) return 'equal';
    if (aAtMostB) return 'before';
    if (bAtMostA) return 'after';
    return 'concurrent';
  }
  // a is exact and a ≤ visible(b) ≤ real(b); strict on the visible part makes it strict.
  if (!a.truncated && aAtMostB && !bAtMostA) return 'before';
  if (!b.truncated && bAtMostA && !aAtMostB) return 'after';
  return 'concurrent';
}

/** Options of {@link pruneVector}. */
export interface PruneOptions {
  /** Keep at most this many entries (plus any `keep` beyond it). */
  maxEntries: number;
  /** Replicas never pruned, e.g. the replica doing the pruning. Default: none. */
  keep?: readonly ReplicaId[];
}

/**
 * Bounds a vector to `maxEntries` entries. Unchanged when it already fits; otherwise keeps
 * the `keep` replicas, then the highest counters (ties: smaller replica id first), drops the
 * rest and marks the result truncated. Cost: comparisons that need a dropped entry answer
 * `concurrent` instead of `before`/`after`/`equal` (false concurrency); never a false order,
 * so never a lost write. Deterministic, so replicas pruning alike stay alike.
 */
export function pruneVector(
  vector: VersionVector,
  { maxEntries, keep = [] }: PruneOptions,
): VersionVector {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
    throw invalid('maxEntries is a non-negative integer', 'maxEntries');
  }
  if (vector.entries.length <= maxEntries) return vector;
  const kept = vector.entries.filter(([id]) => keep.includes(id));
  const candidates = vector.entries
    .filter(([id]) => !keep.includes(id))
    .sort(([idA, a], [idB, b]) => b - a || compareIds(idA, idB));
  const entries = [...kept, ...candidates.slice(0, Math.max(0, maxEntries - kept.length))].sort(
    ([a], [b]) => compareIds(a, b),
  );
  return { entries, truncated: true };
}
