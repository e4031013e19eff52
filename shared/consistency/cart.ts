import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { assertReplicaId, compareIds, type ReplicaId } from './replica-id.ts';
import {
  compareVectors,
  counterOf,
  coversDot,
  emptyVector,
  mergeVectors,
  withCounter,
  type Dot,
  type VersionVector,
} from './version-vector.ts';

/** One quantity written for a sku, identified by the event (`dot`) that wrote it. */
export interface CartVersion {
  readonly dot: Dot;
  readonly quantity: number;
}

/** One sku of a cart state: its concurrent quantities and what writes elsewhere superseded. */
export interface CartLine {
  readonly sku: string;
  /** Quantities written concurrently (siblings), sorted by dot; empty once removed. */
  readonly versions: readonly CartVersion[];
  /**
   * Events of this sku that a client had seen in another replica and superseded (by a remove
   * or a put) before they reached this one; only the part above the cart's `context` is kept,
   * so it is usually {@link emptyVector}.
   */
  readonly supersededUpTo: VersionVector;
}

/**
 * A cart replicated without coordination: an add-wins observed-remove map from sku to
 * quantity. One version vector (`context`) for the whole cart, one dot per written quantity.
 * Plain, canonical data (lines sorted by sku), so equal states are deep-equal; persist it
 * with `formatCart`.
 */
export interface CartState {
  /** Every event this replica has seen, removed ones included. */
  readonly context: VersionVector;
  readonly lines: readonly CartLine[];
}

/** What a client sees of one sku. */
export interface CartItem {
  readonly sku: string;
  readonly quantity: number;
}

/** The answer to a read: the items, and the context to send back with the next write. */
export interface CartView {
  /** Items sorted by sku, each quantity resolved by {@link resolveQuantity}. */
  readonly items: CartItem[];
  /** This replica's context merged with the one the client sent, if any. */
  readonly context: VersionVector;
  /** False when the client had seen events this replica has not received yet. */
  readonly caughtUp: boolean;
}

/** The result of a write: the replica's new state and the context to hand the client. */
export interface CartChange {
  readonly state: CartState;
  readonly context: VersionVector;
}

/** Longest sku the cart accepts, in UTF-16 code units. */
export const maxSkuLength = 256;

/** The state of a cart nobody wrote to. */
export const emptyCart: CartState = Object.freeze({ context: emptyVector, lines: [] });

/**
 * The documented rule for concurrent quantities of one sku: the largest wins. A PUT sets an
 * absolute quantity, so concurrent PUTs are alternatives, not increments (summing two "set to
 * 2" would give 4); the maximum never under-delivers what any writer asked for, and being
 * commutative, associative and idempotent it gives the same answer in every replica.
 */
export function resolveQuantity(quantities: readonly number[]): number {
  return Math.max(...quantities);
}

function assertSku(sku: unknown): asserts sku is string {
  if (typeof sku !== 'string' || sku.length === 0 || sku.length > maxSkuLength) {
    const message = `must be a string of 1-${maxSkuLength} characters`;
    throw new EdgeMeshError('VALIDATION', `Invalid sku: ${message}.`, {
      issues: [{ path: 'sku', message }],
    });
  }
}

function assertQuantity(quantity: unknown): asserts quantity is number {
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    const message = 'must be a positive integer (remove the sku instead of setting 0)';
    throw new EdgeMeshError('VALIDATION', `Invalid quantity: ${message}.`, {
      issues: [{ path: 'quantity', message }],
    });
  }
}

/** The entries of `vector` above `context`: what it knows that `context` does not. */
export function beyond(vector: VersionVector, context: VersionVector): VersionVector {
  const entries = vector.entries.filter(([replica, n]) => n > counterOf(context, replica));
  return entries.length === 0 ? emptyVector : { entries, truncated: false };
}

/** A client's context as the cart reads it: its visible entries (a truncated one under-covers). */
function exact(context: VersionVector): VersionVector {
  return context.truncated ? { entries: context.entries, truncated: false } : context;
}

function compareDots([ra, na]: Dot, [rb, nb]: Dot): number {
  return compareIds(ra, rb) || na - nb;
}

function lineOf(state: CartState, sku: string): CartLine {
  return (
    state.lines.find((line) => line.sku === sku) ?? {
      sku,
      versions: [],
      supersededUpTo: emptyVector,
    }
  );
}

function withLine(lines: readonly CartLine[], line: CartLine): CartLine[] {
  const others = lines.filter((other) => other.sku !== line.sku);
  const keep = line.versions.length > 0 || line.supersededUpTo.entries.length > 0;
  return (keep ? [...others, line] : others).sort((a, b) => compareIds(a.sku, b.sku));
}

/**
 * Sets `sku` to `quantity` at `replica`, for a client that last saw `context`: the quantities
 * that context covers are replaced, concurrent ones stay as siblings (resolved on read).
 * Without a context the write acts on what this replica has seen, as if the client had just
 * read it. Throws VALIDATION on a bad sku, quantity (a positive integer) or replica id.
 * @example const { state, context } = applyPut(stored, 'SKU-1', 2, parseVector(header), 'eu');
 */
export function applyPut(
  state: CartState,
  sku: string,
  quantity: number,
  context: VersionVector | undefined,
  replica: ReplicaId,
): CartChange {
  assertSku(sku);
  assertQuantity(quantity);
  assertReplicaId(replica);
  const seen = exact(context ?? state.context);
  const line = lineOf(state, sku);
  // Past every event of this replica that anything here claims, so the new dot is unseen.
  const reach = mergeVectors(mergeVectors(state.context, line.supersededUpTo), seen);
  const counter = counterOf(reach, replica) + 1;
  if (!Number.isSafeInteger(counter)) {
    throw new EdgeMeshError('VALIDATION', `Counter overflow for replica ${replica}.`);
  }
  const dot: Dot = [replica, counter];
  const nextContext = withCounter(state.context, replica, counter);
  const versions = [
    ...line.versions.filter((version) => !coversDot(seen, version.dot)),
    { dot, quantity },
  ].sort((a, b) => compareDots(a.dot, b.dot));
  const supersededUpTo = beyond(mergeVectors(line.supersededUpTo, seen), nextContext);
  const lines = withLine(state.lines, { sku, versions, supersededUpTo });
  return { state: { context: nextContext, lines }, context: mergeVectors(seen, nextContext) };
}

/**
 * Removes `sku` as far as a client that last saw `context` had seen it: only the quantities
 * that context covers go; one written concurrently (unseen by the remover) stays, so adds win
 * over concurrent removes. Without a context it removes what this replica has seen.
 */
export function applyRemove(
  state: CartState,
  sku: string,
  context: VersionVector | undefined,
): CartChange {
  assertSku(sku);
  const seen = exact(context ?? state.context);
  const line = lineOf(state, sku);
  const versions = line.versions.filter((version) => !coversDot(seen, version.dot));
  const supersededUpTo = beyond(mergeVectors(line.supersededUpTo, seen), state.context);
  const lines = withLine(state.lines, { sku, versions, supersededUpTo });
  return { state: { context: state.context, lines }, context: mergeVectors(seen, state.context) };
}

function mergeLine(
  a: CartLine,
  aContext: VersionVector,
  b: CartLine,
  bContext: VersionVector,
  context: VersionVector,
): CartLine {
  const aReach = mergeVectors(aContext, a.supersededUpTo);
  const bReach = mergeVectors(bContext, b.supersededUpTo);
  const key = ([replica, counter]: Dot) => `${replica}:${counter}`;
  const inB = new Map(b.versions.map((version) => [key(version.dot), version]));
  const kept = new Map<string, CartVersion>();
  for (const version of a.versions) {
    const twin = inB.get(key(version.dot));
    if (twin)
      kept.set(key(version.dot), {
        ...version,
        quantity: Math.max(version.quantity, twin.quantity),
      });
    else if (!coversDot(bReach, version.dot)) kept.set(key(version.dot), version);
  }
  for (const version of b.versions) {
    if (!kept.has(key(version.dot)) && !coversDot(aReach, version.dot)) {
      kept.set(key(version.dot), version);
    }
  }
  return {
    sku: a.sku,
    versions: [...kept.values()].sort((x, y) => compareDots(x.dot, y.dot)),
    supersededUpTo: beyond(mergeVectors(a.supersededUpTo, b.supersededUpTo), context),
  };
}

/**
 * The lattice join of two replicas' cart states: a quantity survives unless the other side
 * has seen it superseded. Commutative, associative and idempotent, so replicas that exchange
 * states in any order, with duplicates or stale copies, converge to equal states.
 */
export function mergeCarts(a: CartState, b: CartState): CartState {
  const context = mergeVectors(a.context, b.context);
  const bySku = new Map<string, { a?: CartLine; b?: CartLine }>();
  for (const line of a.lines) bySku.set(line.sku, { a: line });
  for (const line of b.lines) bySku.set(line.sku, { ...bySku.get(line.sku), b: line });
  const lines: CartLine[] = [];
  for (const [sku, pair] of bySku) {
    const none: CartLine = { sku, versions: [], supersededUpTo: emptyVector };
    const line = mergeLine(pair.a ?? none, a.context, pair.b ?? none, b.context, context);
    if (line.versions.length > 0 || line.supersededUpTo.entries.length > 0) lines.push(line);
  }
  return { context, lines: lines.sort((x, y) => compareIds(x.sku, y.sku)) };
}

/**
 * What a client sees: items with their resolved quantities and the context to send back. Pass
 * the context the client sent (`seen`) to keep its knowledge monotonic across replicas and to
 * learn, in `caughtUp`, whether this replica already has everything the client had seen.
 */
export function readCart(state: CartState, seen?: VersionVector): CartView {
  const items = state.lines
    .filter((line) => line.versions.length > 0)
    .map((line) => ({
      sku: line.sku,
      quantity: resolveQuantity(line.versions.map((version) => version.quantity)),
    }));
  if (seen === undefined) return { items, context: state.context, caughtUp: true };
  const order = compareVectors(exact(seen), state.context);
  return {
    items,
    context: mergeVectors(exact(seen), state.context),
    caughtUp: order === 'before' || order === 'equal',
  };
}

/** The skus whose quantity was set concurrently, with every competing quantity (ascending). */
export function cartConflicts(state: CartState): { sku: string; quantities: number[] }[] {
  return state.lines
    .filter((line) => line.versions.length > 1)
    .map((line) => ({
      sku: line.sku,
      quantities: line.versions.map((version) => version.quantity).sort((a, b) => a - b),
    }));
}
