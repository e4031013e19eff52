import type { ConsoleFunction } from '../sources.ts';
import { parseExposition } from './exposition.ts';
import { redBetween, snapshotOf, type Counters, type Red, type Snapshot } from './red.ts';

/** A series point: time (s since the epoch) and RED. */
export interface Point extends Red {
  readonly t: number;
}

/** One route or dependency: RED over the window, and a point per scrape. */
export interface RedSeries {
  readonly key: string;
  readonly now: Red;
  readonly points: readonly Point[];
}

/** What the map shows of one function's metrics. */
export interface FunctionRed {
  readonly routes: readonly RedSeries[];
  readonly dependencies: readonly RedSeries[];
}

export interface MetricsSampler {
  /** RED of a function's routes and dependencies, from what was scraped so far. */
  red(name: string): FunctionRed;
  stop(): void;
}

function series(
  snapshots: readonly Snapshot[],
  pick: (snapshot: Snapshot) => ReadonlyMap<string, Counters>,
  windowMs: number,
): RedSeries[] {
  const last = snapshots[snapshots.length - 1];
  if (!last) return [];
  const first = snapshots.find((s) => s.at >= last.at - windowMs) ?? last;
  return [...pick(last).keys()].sort().map((key) => {
    const points: Point[] = [];
    for (let i = 1; i < snapshots.length; i += 1) {
      const [a, b] = [snapshots[i - 1]!, snapshots[i]!];
      const after = pick(b).get(key);
      if (after) {
        points.push({
          t: b.at / 1000,
          ...redBetween(pick(a).get(key), after, (b.at - a.at) / 1000),
        });
      }
    }
    const now =
      first === last
        ? { rate: 0, errorRatio: null, p99Ms: null }
        : redBetween(pick(first).get(key), pick(last).get(key)!, (last.at - first.at) / 1000);
    return { key, now, points };
  });
}

/**
 * Scrapes every function's `/metrics` each `intervalMs` and keeps `keep` scrapes, so the console
 * shows rates (which need two scrapes) and short histories without a time-series database.
 */
export function startMetricsSampler(
  functions: readonly ConsoleFunction[],
  { intervalMs = 2_000, keep = 90, windowMs = 30_000 } = {},
): MetricsSampler {
  const history = new Map<string, Snapshot[]>(functions.map((fn) => [fn.name, []]));
  const scrape = async (fn: ConsoleFunction) => {
    try {
      const response = await fetch(`${fn.url}/metrics`, { signal: AbortSignal.timeout(1_500) });
      if (!response.ok) return;
      const snapshot = snapshotOf(parseExposition(await response.text()), Date.now());
      const kept = history.get(fn.name)!;
      kept.push(snapshot);
      if (kept.length > keep) kept.splice(0, kept.length - keep);
    } catch {
      // A function that is down or restarting: its chart shows the gap.
    }
  };
  const tick = () => void Promise.all(functions.map(scrape));
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    red(name) {
      const snapshots = history.get(name) ?? [];
      return {
        routes: series(snapshots, (s) => s.routes, windowMs),
        dependencies: series(snapshots, (s) => s.dependencies, windowMs),
      };
    },
    stop: () => clearInterval(timer),
  };
}
