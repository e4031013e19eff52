import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVectors,
  coversDot,
  counterOf,
  dvvContext,
  dvvDiscard,
  dvvLww,
  dvvReconcile,
  dvvSync,
  dvvUpdate,
  dvvValues,
  emptyDvvSet,
  emptyVector,
  type Dot,
  type DvvSet,
  type VersionVector,
} from '../../../../shared/consistency/index.ts';

const replicas = ['a', 'b', 'c'];
const clients = 3;

type Command =
  | { kind: 'write'; replica: number; client: number; blind: boolean }
  | { kind: 'read'; replica: number; client: number }
  | { kind: 'remove'; replica: number; client: number }
  | { kind: 'lww'; replica: number }
  | { kind: 'reconcile'; replica: number }
  | { kind: 'deliver'; into: number; from: number; age: number };

const replica = fc.nat({ max: replicas.length - 1 });
const client = fc.nat({ max: clients - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      replica,
      client,
      blind: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), replica, client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), replica, client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lww' as const), replica }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), replica }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      into: replica,
      from: replica,
      age: fc.nat({ max: 5 }),
    }),
  },
);
const history = fc.array(command, { maxLength: 80 });

interface Outcome {
  replicas: DvvSet<string>[];
  /** Every state any replica held, oldest first. */
  snapshots: DvvSet<string>[];
  /** Each acknowledged write's value and the event that wrote it. */
  writes: Map<string, Dot>;
  /** Values a later operation superseded: a context that covered them, or an lww that lost them. */
  superseded: Set<string>;
}

/** Replays a history of client writes, reads, deletes and (stale, duplicate) deliveries. */
function replay(commands: Command[]): Outcome {
  const states: DvvSet<string>[] = replicas.map(() => emptyDvvSet<string>());
  const past: DvvSet<string>[][] = replicas.map(() => [emptyDvvSet<string>()]);
  const contexts: VersionVector[] = Array.from({ length: clients }, () => emptyVector);
  const writes = new Map<string, Dot>();
  const superseding: VersionVector[] = [];
  const superseded = new Set<string>();
  const store = (i: number, next: DvvSet<string>) => {
    states[i] = next;
    past[i]?.push(next);
  };
  const write = (i: number, context: VersionVector, value: string, next: DvvSet<string>) => {
    const id = replicas[i] as string;
    writes.set(value, [id, counterOf(dvvContext(next), id)]);
    superseding.push(context);
    store(i, next);
  };
  commands.forEach((c, step) => {
    if (c.kind === 'write') {
      const context = c.blind ? emptyVector : (contexts[c.client] as VersionVector);
      const value = `w${step}`;
      write(
        c.replica,
        context,
        value,
        dvvUpdate(
          states[c.replica] as DvvSet<string>,
          context,
          value,
          replicas[c.replica] as string,
        ),
      );
    } else if (c.kind === 'read') {
      contexts[c.client] = dvvContext(states[c.replica] as DvvSet<string>);
    } else if (c.kind === 'remove') {
      const context = contexts[c.client] as VersionVector;
      superseding.push(context);
      store(c.replica, dvvDiscard(states[c.replica] as DvvSet<string>, context));
    } else if (c.kind === 'lww') {
      const before = states[c.replica] as DvvSet<string>;
      const after = dvvLww(before, (x, y) => x <= y);
      const kept = new Set(dvvValues(after));
      for (const value of dvvValues(before)) if (!kept.has(value)) superseded.add(value);
      store(c.replica, after);
    } else if (c.kind === 'reconcile') {
      const before = states[c.replica] as DvvSet<string>;
      const value = `r${step}`;
      const after = dvvReconcile(before, () => value, replicas[c.replica] as string);
      if (after !== before) write(c.replica, dvvContext(before), value, after);
    } else {
      const sent = past[c.from] as DvvSet<string>[];
      const copy = sent[Math.max(0, sent.length - 1 - c.age)] as DvvSet<string>;
      store(c.into, dvvSync(states[c.into] as DvvSet<string>, copy));
    }
  });
  for (const [value, dot] of writes) {
    if (superseding.some((context) => coversDot(context, dot))) superseded.add(value);
  }
  return { replicas: states, snapshots: past.flat(), writes, superseded };
}

/** Every replica syncs with every other, twice round. */
function exchangeAll(states: DvvSet<string>[]): DvvSet<string>[] {
  const out = [...states];
  for (let round = 0; round < 2; round += 1) {
    for (let i = 0; i < out.length; i += 1) {
      for (let j = 0; j < out.length; j += 1)
        out[i] = dvvSync(out[i] as DvvSet<string>, out[j] as DvvSet<string>);
    }
  }
  return out;
}

const pick = (outcome: Outcome, n: number) =>
  outcome.snapshots[n % outcome.snapshots.length] as DvvSet<string>;
const index = fc.nat();

describe('dotted version vector set laws, over states reachable by any history', () => {
  it('sync is commutative', () => {
    fc.assert(
      fc.property(history, index, index, (commands, i, j) => {
        const outcome = replay(commands);
        const [a, b] = [pick(outcome, i), pick(outcome, j)];
        expect(dvvSync(a, b)).toEqual(dvvSync(b, a));
      }),
    );
  });

  it('sync is associative', () => {
    fc.assert(
      fc.property(history, index, index, index, (commands, i, j, k) => {
        const outcome = replay(commands);
        const [a, b, c] = [pick(outcome, i), pick(outcome, j), pick(outcome, k)];
        expect(dvvSync(dvvSync(a, b), c)).toEqual(dvvSync(a, dvvSync(b, c)));
      }),
    );
  });

  it('sync is idempotent', () => {
    fc.assert(
      fc.property(history, index, (commands, i) => {
        const a = pick(replay(commands), i);
        expect(dvvSync(a, a)).toEqual(a);
      }),
    );
  });

  it('each side is at or before the sync, and a value is only dropped when the other side saw it', () => {
    fc.assert(
      fc.property(history, index, index, (commands, i, j) => {
        const outcome = replay(commands);
        const [a, b] = [pick(outcome, i), pick(outcome, j)];
        const synced = dvvSync(a, b);
        expect(['before', 'equal']).toContain(compareVectors(dvvContext(a), dvvContext(synced)));
        const kept = new Set(dvvValues(synced));
        for (const value of dvvValues(a)) {
          if (!kept.has(value)) {
            expect(coversDot(dvvContext(b), outcome.writes.get(value) as Dot)).toBe(true);
          }
        }
      }),
    );
  });

  it('no acknowledged write is lost and every superseded one is gone, once replicas exchange all states', () => {
    fc.assert(
      fc.property(history, (commands) => {
        const outcome = replay(commands);
        const converged = exchangeAll(outcome.replicas);
        for (const state of converged) expect(state).toEqual(converged[0]);
        const live = [...outcome.writes.keys()].filter((value) => !outcome.superseded.has(value));
        expect(dvvValues(converged[0] as DvvSet<string>).sort()).toEqual(live.sort());
      }),
      { numRuns: 300 },
    );
  });
});
