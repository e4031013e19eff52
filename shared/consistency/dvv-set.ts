import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { assertReplicaId, type ReplicaId } from './replica-id.ts';
import { compareVectors, type VersionVector } from './version-vector.ts';

/**
 * One replica's part of a {@link DvvSet}: `counter` events of `replica` are known, and
 * `values` holds the siblings still alive among them, newest first: `values[i]` was written
 * by the event (`replica`, `counter - i`).
 */
export interface DvvSetEntry<T> {
  readonly replica: ReplicaId;
  readonly counter: number;
  readonly values: readonly T[];
}

/**
 * A dotted version vector set (Preguiça, Baquero, Almeida, Fonte, Gonçalves; the compact form
 * of Riak's `dvvset`): the concurrent values (siblings) of one key with one version vector.
 * Plain data, entries sorted by replica id. Unlike Riak's, it has no anonymous values (see
 * {@link dvvReconcile}), so every operation is a lattice inflation and sync is associative.
 */
export interface DvvSet<T> {
  readonly entries: readonly DvvSetEntry<T>[];
}

/** A set with no history and no values: the state of a key nobody wrote. */
export function emptyDvvSet<T>(): DvvSet<T> {
  return { entries: [] };
}

function historyOf<T>(context: VersionVector): DvvSet<T> {
  return {
    entries: context.entries.map(([replica, counter]) => ({ replica, counter, values: [] })),
  };
}

/** The version vector of a set (Riak's `join/1`): the context a client reads and sends back. */
export function dvvContext<T>(set: DvvSet<T>): VersionVector {
  return {
    entries: set.entries.map(({ replica, counter }) => [replica, counter]),
    truncated: false,
  };
}

/** Every sibling, by replica id, each replica's newest first. */
export function dvvValues<T>(set: DvvSet<T>): T[] {
  return set.entries.flatMap((entry) => entry.values);
}

/** How many siblings the set holds. */
export function dvvSize<T>(set: DvvSet<T>): number {
  return set.entries.reduce((sum, entry) => sum + entry.values.length, 0);
}

/** True when `a`'s history is strictly older than `b`'s: every value of `a` is outdated by `b`. */
export function dvvLess<T>(a: DvvSet<T>, b: DvvSet<T>): boolean {
  return compareVectors(dvvContext(a), dvvContext(b)) === 'before';
}

/** True when both sets have the same history and the same number of siblings per replica. */
export function dvvEqual<T>(a: DvvSet<T>, b: DvvSet<T>): boolean {
  return (
    a.entries.length === b.entries.length &&
    a.entries.every((entry, i) => {
      const other = b.entries[i];
      return (
        other !== undefined &&
        other.replica === entry.replica &&
        other.counter === entry.counter &&
        other.values.length === entry.values.length
      );
    })
  );
}

/** Keeps, of one replica's two views, the values neither side has seen superseded. */
function mergeEntry<T>(a: DvvSetEntry<T>, b: DvvSetEntry<T>): DvvSetEntry<T> {
  const [newer, older] = a.counter >= b.counter ? [a, b] : [b, a];
  // Values older than the older side's first live value were superseded there.
  if (newer.counter - newer.values.length >= older.counter - older.values.length) return newer;
  const alive = newer.counter - older.counter + older.values.length;
  return { ...newer, values: newer.values.slice(0, alive) };
}

function syncEntries<T>(
  a: readonly DvvSetEntry<T>[],
  b: readonly DvvSetEntry<T>[],
): DvvSetEntry<T>[] {
  const out: DvvSetEntry<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (right === undefined || (left !== undefined && left.replica < right.replica)) {
      out.push(left as DvvSetEntry<T>);
      i += 1;
    } else if (left === undefined || right.replica < left.replica) {
      out.push(right);
      j += 1;
    } else {
      out.push(mergeEntry(left, right));
      i += 1;
      j += 1;
    }
  }
  return out;
}

/**
 * The join of two replicas' sets (Riak's `sync`): both histories, and every value that
 * neither side has seen superseded. Commutative, associative and idempotent, so replicas
 * that exchange sets in any order, any number of times, converge.
 */
export function dvvSync<T>(a: DvvSet<T>, b: DvvSet<T>): DvvSet<T> {
  return { entries: syncEntries(a.entries, b.entries) };
}

/**
 * Drops the siblings the `context` has seen and adds the context to the set's history: a
 * delete by a client that read `context`. Keep the result (even with no values) so a replica
 * that missed the delete cannot bring the old values back.
 */
export function dvvDiscard<T>(set: DvvSet<T>, context: VersionVector): DvvSet<T> {
  return dvvSync(historyOf<T>(context), set);
}

function event<T>(entries: readonly DvvSetEntry<T>[], replica: ReplicaId, value: T) {
  const out: DvvSetEntry<T>[] = [];
  let placed = false;
  for (const entry of entries) {
    if (!placed && entry.replica === replica) {
      const counter = entry.counter + 1;
      if (!Number.isSafeInteger(counter)) {
        throw new EdgeMeshError('VALIDATION', `Counter overflow for replica ${replica}.`);
      }
      out.push({ replica, counter, values: [value, ...entry.values] });
      placed = true;
    } else {
      if (!placed && replica < entry.replica) {
        out.push({ replica, counter: 1, values: [value] });
        placed = true;
      }
      out.push(entry);
    }
  }
  if (!placed) out.push({ replica, counter: 1, values: [value] });
  return out;
}

/**
 * A client write served by `replica` (Riak's `update/3`): `value`, written by a client that
 * had read `context`, replaces the siblings that context covers and stays beside the ones it
 * did not see. `server` is the replica's current set. Pass `emptyVector` for a blind
 * write (it supersedes nothing). Throws VALIDATION on a bad replica id.
 * @example const next = dvvUpdate(stored, parseVector(header), { qty: 2 }, 'eu-west');
 */
export function dvvUpdate<T>(
  server: DvvSet<T>,
  context: VersionVector,
  value: T,
  replica: ReplicaId,
): DvvSet<T> {
  assertReplicaId(replica);
  return { entries: event(dvvDiscard(server, context).entries, replica, value) };
}

/**
 * Resolves the siblings into one value, `winner(values)`, written back as a new event of
 * `replica` that supersedes them all: a write by a client that read the whole set. `winner`
 * should be deterministic. (Riak's `reconcile` stores the winner as an anonymous value
 * instead; syncing those is not associative, so this set has none.) Unchanged when there are
 * no siblings.
 */
export function dvvReconcile<T>(
  set: DvvSet<T>,
  winner: (values: T[]) => T,
  replica: ReplicaId,
): DvvSet<T> {
  const values = dvvValues(set);
  return values.length === 0 ? set : dvvUpdate(set, dvvContext(set), winner(values), replica);
}

/**
 * Keeps only the greatest sibling by `lessOrEqual(a, b)` (true when a ≤ b; of equals, the one
 * later in {@link dvvValues} order wins), in its own event, with the same history (Riak's
 * `lww`). Only each replica's newest value competes. A set without values is returned as is.
 */
export function dvvLww<T>(set: DvvSet<T>, lessOrEqual: (a: T, b: T) => boolean): DvvSet<T> {
  const heads = set.entries.flatMap(({ replica, values }) =>
    values.length > 0 ? [{ value: values[0] as T, replica }] : [],
  );
  const [first, ...rest] = heads;
  if (first === undefined) return set;
  const best = rest.reduce((a, b) => (lessOrEqual(a.value, b.value) ? b : a), first);
  return {
    entries: set.entries.map((entry) => ({
      ...entry,
      values: entry.replica === best.replica ? [best.value] : [],
    })),
  };
}
