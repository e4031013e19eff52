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
  /** Its faults are chaos rules, so `chaos_injected_total` must rise, or the run failed. */
  readonly countsFaults?: boolean;
  /** Needs the devstack's control API (restarts, fault proxies). */
  readonly needsControl?: boolean;
  /** `experiment`: this run's `x-chaos-experiment`, which every order of the load carries. */
  inject?(target: ChaosTarget, experiment: string): Promise<void>;
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

/** Sum of the `chaos_injected_total` series in one Prometheus exposition. */
export function injectedIn(exposition: string): number {
  let sum = 0;
  for (const match of exposition.matchAll(/^chaos_injected_total\{[^}]*\} ([0-9.e+]+)/gm))
    sum += Number(match[1]);
  return sum;
}

/** One function's `/metrics`, tried three times; throws rather than reading as zero. */
async function metricsOf(url: string): Promise<string> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      if (response.ok) return text;
      last = new Error(`${url}/metrics answered ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw last;
}

/**
 * `chaos_injected_total` summed over every function's `/metrics`; NaN when one cannot be read
 * (an unreadable function once read as 0, which hid the faults it had injected).
 */
async function injectedSoFar(target: ChaosTarget): Promise<number> {
  let sum = 0;
  for (const url of Object.values(target.functions)) {
    sum += await metricsOf(url).then(injectedIn, () => NaN);
  }
  return sum;
}

/**
 * The row, failed when the experiment's fault rules injected nothing: a fault that never
 * happened proves nothing, whatever the invariants say.
 */
export function requireInjected(row: ExperimentRow, experiment: Experiment): ExperimentRow {
  if (!experiment.countsFaults || row.verdict !== 'pass' || row.injected > 0) return row;
  const note = Number.isNaN(row.injected)
    ? 'could not read chaos_injected_total'
    : 'its rules injected no fault';
  return { ...row, verdict: 'FAIL', note };
}

/** Runs one experiment against `target` and verifies the shop's invariants. */
export async function runExperiment(
  experiment: Experiment,
  target: ChaosTarget,
  { orders, holdMs = 10_000, settleMs = 180_000, log = () => {} }: RunOptions,
): Promise<ExperimentRow> {
  if (experiment.needsControl && !target.control) return skipped(experiment.name, 'no control API');
  const unsteady = await steadyState(target);
  if (unsteady) return skipped(experiment.name, `no steady state: ${unsteady}`);
  const run = randomUUID().slice(0, 8);
  const experimentId = `${experiment.name}-${run}`;
  const seeded = await seedStock(target, run, orders);
  const injectedBefore = await injectedSoFar(target);
  log(`${experiment.name}: ${experiment.title}`);
  if (experiment.inject) {
    await experiment.inject(target, experimentId);
    // Every isolate checks its settings about every 500 ms: let the rule reach them first.
    await new Promise((resolve) => setTimeout(resolve, rulePropagationMs));
  }
  const settled = new Map<string, Settled>();
  let rolledBack = false;
  try {
    let midwayFailed: string | undefined;
    const load = { run, experiment: experimentId, total: orders };
    const placed = await placeOrders(target, load, () =>
      (experiment.midway?.(target) ?? Promise.resolve()).catch((error: Error) => {
        midwayFailed = error.message;
      }),
    );
    await awaitSettled(target, placed, settled, holdMs);
    await experiment.rollback(target);
    rolledBack = true;
    const recovering = Date.now();
    await awaitSettled(target, placed, settled, settleMs);
    const lastEnded = Math.max(0, ...[...settled.values()].map((order) => order.endedAt));
    const recoverMs = Math.max(0, lastEnded - recovering);
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
      : requireInjected(row, experiment);
  } finally {
    if (!rolledBack) await experiment.rollback(target).catch(() => {});
  }
}
