import { randomUUID } from 'node:crypto';
import { awaitSettled, placeOrders, seedStock, steadyState, type Settled } from './shop.ts';
import type { ChaosTarget } from './target.ts';
import { verify, type ExperimentRow } from './verify.ts';

/**
 * One chaos experiment, in the Chaos Toolkit's shape: the steady state is checked first (every
 * function healthy), then `inject`, the load (orders, with `midway` once half are sent), the
 * fault held until the orders settle or `holdMs` passes, `rollback`, and the verification.
 */
export interface Experiment {
  readonly name: string;
  /** One line: what breaks. */
  readonly title: string;
  /** Needs the devstack's control API (restarts, fault proxies). */
  readonly needsControl?: boolean;
  inject?(target: ChaosTarget): Promise<void>;
  midway?(target: ChaosTarget): Promise<void>;
  rollback(target: ChaosTarget): Promise<void>;
}

const rulePropagationMs = 1_500;

export interface RunOptions {
  orders: number;
  /** How long the fault stays once every order is placed, unless they all settle sooner, ms. */
  holdMs?: number;
  /** How long orders may take to settle after the rollback, ms. */
  settleMs?: number;
  log?: (line: string) => void;
}

function skipped(name: string, note: string): ExperimentRow {
  return {
    name,
    placed: 0,
    terminal: 0,
    stockDrift: 0,
    doubleCaptures: 0,
    lostNotifications: 0,
    duplicatedNotifications: 0,
    p50Ms: NaN,
    p99Ms: NaN,
    recoverMs: NaN,
    injected: 0,
    verdict: 'skipped',
    note,
  };
}

/** `chaos_injected_total` summed over every function's `/metrics`. */
async function injectedSoFar(target: ChaosTarget): Promise<number> {
  let sum = 0;
  for (const url of Object.values(target.functions)) {
    const text = await fetch(`${url}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    for (const match of text.matchAll(/^chaos_injected_total\{[^}]*\} (\d+)/gm))
      sum += Number(match[1]);
  }
  return sum;
}

/** Runs one experiment against `target` and verifies the shop's invariants. */
export async function runExperiment(
  experiment: Experiment,
  target: ChaosTarget,
  { orders, holdMs = 10_000, settleMs = 120_000, log = () => {} }: RunOptions,
): Promise<ExperimentRow> {
  if (experiment.needsControl && !target.control) return skipped(experiment.name, 'no control API');
  const unsteady = await steadyState(target);
  if (unsteady) return skipped(experiment.name, `no steady state: ${unsteady}`);
  const run = randomUUID().slice(0, 8);
  const seeded = await seedStock(target, run, orders);
  const injectedBefore = await injectedSoFar(target);
  log(`${experiment.name}: ${experiment.title}`);
  if (experiment.inject) {
    await experiment.inject(target);
    // Every isolate checks its settings about every 500 ms: let the rule reach them first.
    await new Promise((resolve) => setTimeout(resolve, rulePropagationMs));
  }
  const settled = new Map<string, Settled>();
  let rolledBack = false;
  try {
    let midwayFailed: string | undefined;
    const placed = await placeOrders(target, run, orders, () =>
      (experiment.midway?.(target) ?? Promise.resolve()).catch((error: Error) => {
        midwayFailed = error.message;
      }),
    );
    await awaitSettled(target, placed, settled, holdMs);
    await experiment.rollback(target);
    rolledBack = true;
    const recovering = performance.now();
    const before = settled.size;
    await awaitSettled(target, placed, settled, settleMs);
    const recoverMs = settled.size > before ? performance.now() - recovering : 0;
    log(`${experiment.name}: ${settled.size}/${placed.length} settled; verifying`);
    const injected = (await injectedSoFar(target)) - injectedBefore;
    const row = await verify(target, experiment.name, {
      seeded,
      placed,
      settled,
      recoverMs,
      injected,
    });
    // A fault that could not be applied proves nothing, whatever the invariants say.
    return midwayFailed && row.verdict === 'pass'
      ? { ...row, verdict: 'skipped', note: midwayFailed }
      : row;
  } finally {
    if (!rolledBack) await experiment.rollback(target).catch(() => {});
  }
}
