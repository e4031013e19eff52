/** Random cart histories across regions, and the oracle of what must survive them. */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  applyPut,
  applyRemove,
  counterOf,
  coversDot,
  emptyCart,
  emptyVector,
  mergeCarts,
  readCart,
  type CartState,
  type Dot,
  type VersionVector,
} from '../../../../shared/consistency/index.ts';

export const skus = ['apple', 'fig', 'pear'];

/** How a client passes its context: the one it holds, none (the region's), or an empty one. */
export type Mode = 'held' | 'none' | 'empty';
export type Command =
  | { kind: 'put'; region: number; client: number; sku: string; quantity: number; mode: Mode }
  | { kind: 'remove'; region: number; client: number; sku: string; mode: Mode }
  | { kind: 'read'; region: number; client: number }
  | { kind: 'deliver'; into: number; from: number; age: number }
  | { kind: 'partition' };

export function commands(regions: number, clients: number) {
  const region = fc.nat({ max: regions - 1 });
  const client = fc.nat({ max: clients - 1 });
  const sku = fc.constantFrom(...skus);
  const mode = fc.constantFrom<Mode>('held', 'held', 'held', 'none', 'empty');
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('put' as const),
        region,
        client,
        sku,
        quantity: fc.integer({ min: 1, max: 9 }),
        mode,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('remove' as const), region, client, sku, mode }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), region, client }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        into: region,
        from: region,
        age: fc.nat({ max: 6 }),
      }),
    },
  ) as fc.Arbitrary<Command>;
}

export interface Write {
  sku: string;
  quantity: number;
  dot: Dot;
}

export interface Outcome {
  regions: CartState[];
  snapshots: CartState[];
  /** Every acknowledged put. */
  writes: Write[];
  /** The context each put and remove acted on, per sku. */
  superseding: { sku: string; context: VersionVector }[];
  /** Each write and remove with the state before and after it. */
  steps: [CartState, CartState][];
}

/**
 * Replays client puts, removes and reads, and deliveries that may be stale or repeated;
 * `partition` cuts (or heals) the links between regions, dropping deliveries meanwhile.
 */
export function replay(history: Command[], regionCount: number, clientCount: number): Outcome {
  const names = Array.from({ length: regionCount }, (_, i) => `region-${i}`);
  const states: CartState[] = names.map(() => emptyCart);
  const past: CartState[][] = names.map(() => [emptyCart]);
  const held: VersionVector[] = Array.from({ length: clientCount }, () => emptyVector);
  const outcome: Outcome = {
    regions: states,
    snapshots: [],
    writes: [],
    superseding: [],
    steps: [],
  };
  const contextFor = (mode: Mode, client: number) =>
    mode === 'held' ? held[client] : mode === 'empty' ? emptyVector : undefined;
  let partitioned = false;
  for (const c of history) {
    if (c.kind === 'partition') {
      partitioned = !partitioned;
      continue;
    } else if (c.kind === 'deliver') {
      if (partitioned && c.into !== c.from) continue;
      const sent = past[c.from] as CartState[];
      const copy = sent[Math.max(0, sent.length - 1 - c.age)] as CartState;
      states[c.into] = mergeCarts(states[c.into] as CartState, copy);
    } else if (c.kind === 'read') {
      held[c.client] = readCart(states[c.region] as CartState, held[c.client]).context;
      continue;
    } else {
      const before = states[c.region] as CartState;
      const context = contextFor(c.mode, c.client);
      const change =
        c.kind === 'put'
          ? applyPut(before, c.sku, c.quantity, context, names[c.region] as string)
          : applyRemove(before, c.sku, context);
      outcome.superseding.push({ sku: c.sku, context: context ?? before.context });
      if (c.kind === 'put') {
        const name = names[c.region] as string;
        outcome.writes.push({
          sku: c.sku,
          quantity: c.quantity,
          dot: [name, counterOf(change.state.context, name)],
        });
      }
      held[c.client] = change.context;
      states[c.region] = change.state;
      outcome.steps.push([before, change.state]);
    }
    past.forEach((list, i) => {
      if (list[list.length - 1] !== states[i]) list.push(states[i] as CartState);
    });
  }
  outcome.snapshots = past.flat();
  return outcome;
}

export function exchangeAll(states: CartState[]): CartState[] {
  const out = [...states];
  for (let round = 0; round < 2; round += 1) {
    for (let i = 0; i < out.length; i += 1) {
      for (let j = 0; j < out.length; j += 1)
        out[i] = mergeCarts(out[i] as CartState, out[j] as CartState);
    }
  }
  return out;
}

/** The writes no later put or remove of the same sku had seen. */
export function liveWrites(outcome: Outcome): Write[] {
  return outcome.writes.filter(
    (write) =>
      !outcome.superseding.some((s) => s.sku === write.sku && coversDot(s.context, write.dot)),
  );
}

/** Asserts the healed cart holds exactly the live writes, each sku at its largest live quantity. */
export function expectEveryWriteAccountedFor(outcome: Outcome) {
  const converged = exchangeAll(outcome.regions);
  for (const state of converged) expect(state).toEqual(converged[0]);
  const healed = converged[0] as CartState;
  const live = liveWrites(outcome);
  const versions = healed.lines.flatMap((line) =>
    line.versions.map((v) => `${line.sku} ${v.dot.join(':')} ${v.quantity}`),
  );
  expect(versions.sort()).toEqual(
    live.map((w) => `${w.sku} ${w.dot.join(':')} ${w.quantity}`).sort(),
  );
  const expected = skus
    .map((sku) => ({ sku, quantities: live.filter((w) => w.sku === sku).map((w) => w.quantity) }))
    .filter(({ quantities }) => quantities.length > 0)
    .map(({ sku, quantities }) => ({ sku, quantity: Math.max(...quantities) }))
    .sort((a, b) => (a.sku < b.sku ? -1 : 1));
  expect(readCart(healed).items).toEqual(expected);
  expect(healed.lines.every((line) => line.supersededUpTo.entries.length === 0)).toBe(true);
}
