import { seriesKey, seriesKeyCache, type Labels } from './series-keys.ts';

export { overflowLabel, seriesKey, type Labels } from './series-keys.ts';

/** What a metric family is, as Prometheus types it. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** A family's declaration: name, help, kind, label names and (histograms) bucket bounds. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  /** Upper bounds of histogram buckets, ascending, without +Inf. */
  readonly buckets?: readonly number[];
}

/**
 * What an isolate has recorded since its last flush: counter and histogram increments, gauge
 * values, keyed by exposition series (`name{a="x"}`), plus every family seen.
 */
export interface MetricDeltas {
  readonly families: readonly MetricFamily[];
  /** Increments to add across isolates (counters, histogram buckets, _sum, _count). */
  readonly increments: ReadonlyMap<string, number>;
  /** Last values, written as they are (gauges). */
  readonly gauges: ReadonlyMap<string, number>;
}

/** Default duration buckets in seconds: 5 ms to 10 s. */
export const defaultDurationBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** A value that goes up and down; across isolates the last write wins. */
export interface Gauge {
  set(labels: Labels, value: number): void;
}

/** A distribution of observations in fixed buckets. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

export interface MetricsRegistryOptions {
  /** Most series per family; further label sets are recorded under `_other`. Default 200. */
  maxSeriesPerFamily?: number;
}

/** In-memory metrics of one isolate, drained as deltas by a flush. */
export interface MetricsRegistry {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(
    name: string,
    help: string,
    labelNames?: readonly string[],
    buckets?: readonly number[],
  ): Histogram;
  /** Takes what was recorded since the last call and resets it. */
  takeDeltas(): MetricDeltas;
  /** Puts deltas back after a failed flush so they go out with the next one. */
  restore(deltas: MetricDeltas): void;
  /** Every declared family. */
  families(): readonly MetricFamily[];
}

/** Adds `family` to `declared`, or returns the one declared before; throws TypeError on a bad name or kind. */
function declareFamily(
  declared: Map<string, MetricFamily>,
  knownSeries: Map<string, Set<string>>,
  family: MetricFamily,
): MetricFamily {
  if (!metricName.test(family.name)) throw new TypeError(`invalid metric name ${family.name}`);
  for (const label of family.labelNames) {
    if (!labelName.test(label) || label === 'le')
      throw new TypeError(`invalid label name ${label}`);
  }
  const existing = declared.get(family.name);
  if (existing) {
    if (existing.kind !== family.kind) {
      throw new TypeError(`metric ${family.name} is already a ${existing.kind}`);
    }
    return existing;
  }
  declared.set(family.name, family);
  knownSeries.set(family.name, new Set());
  return family;
}

/** A histogram of `family` whose observations go to `add` as cumulative bucket, _sum and _count increments. */
function histogramOf(
  family: MetricFamily,
  seriesKeys: (
    family: MetricFamily,
    build: (bounded: Labels) => string[],
  ) => (labels: Labels) => string[],
  add: (key: string, by: number) => void,
): Histogram {
  const { name } = family;
  const bounds = family.buckets!;
  const bucketLabels = [...family.labelNames, 'le'];
  const bucketNames = [...bounds.map(String), '+Inf'];
  // Keys: one per bucket (le ascending, +Inf last), then _sum, then _count.
  const keysOf = seriesKeys(family, (bounded) => [
    ...bucketNames.map((le) => seriesKey(`${name}_bucket`, bucketLabels, { ...bounded, le })),
    seriesKey(`${name}_sum`, family.labelNames, bounded),
    seriesKey(`${name}_count`, family.labelNames, bounded),
  ]);
  return {
    observe(labels, value) {
      if (!Number.isFinite(value)) return;
      const keys = keysOf(labels);
      // Buckets are cumulative, so deltas from many isolates still add up to a histogram.
      let first = 0;
      while (first < bounds.length && value > bounds[first]!) first += 1;
      for (let i = first; i < bucketNames.length; i += 1) add(keys[i]!, 1);
      add(keys[bucketNames.length]!, value);
      add(keys[bucketNames.length + 1]!, 1);
    },
  };
}

/**
 * Creates an isolate's metrics registry. Label cardinality is bounded per family: once
 * `maxSeriesPerFamily` label sets are known, new ones are counted under `_other`.
 * @example const requests = registry.counter('jobs_total', 'Jobs run.', ['kind']); requests.inc({ kind: 'a' });
 */
export function createMetricsRegistry({
  maxSeriesPerFamily = 200,
}: MetricsRegistryOptions = {}): MetricsRegistry {
  const declared = new Map<string, MetricFamily>();
  const knownSeries = new Map<string, Set<string>>();
  let increments = new Map<string, number>();
  let gauges = new Map<string, number>();

  const declare = (family: MetricFamily) => declareFamily(declared, knownSeries, family);
  const seriesKeys = (family: MetricFamily, build: (bounded: Labels) => string[]) =>
    seriesKeyCache(family.labelNames, knownSeries.get(family.name)!, maxSeriesPerFamily, build);

  function add(key: string, by: number): void {
    increments.set(key, (increments.get(key) ?? 0) + by);
  }

  return {
    counter(name, help, labelNames = []) {
      const family = declare({ name, help, kind: 'counter', labelNames });
      const keysOf = seriesKeys(family, (bounded) => [seriesKey(name, family.labelNames, bounded)]);
      return {
        inc(labels = {}, by = 1) {
          if (!(by >= 0)) return;
          add(keysOf(labels)[0]!, by);
        },
      };
    },
    gauge(name, help, labelNames = []) {
      const family = declare({ name, help, kind: 'gauge', labelNames });
      const keysOf = seriesKeys(family, (bounded) => [seriesKey(name, family.labelNames, bounded)]);
      return {
        set(labels, value) {
          if (!Number.isFinite(value)) return;
          gauges.set(keysOf(labels)[0]!, value);
        },
      };
    },
    histogram(name, help, labelNames = [], buckets = defaultDurationBuckets) {
      const family = declare({
        name,
        help,
        kind: 'histogram',
        labelNames,
        buckets: [...buckets].sort((a, b) => a - b),
      });
      return histogramOf(family, seriesKeys, add);
    },
    takeDeltas() {
      const deltas = { families: [...declared.values()], increments, gauges };
      increments = new Map();
      gauges = new Map();
      return deltas;
    },
    restore(deltas) {
      for (const [key, by] of deltas.increments) add(key, by);
      for (const [key, value] of deltas.gauges) if (!gauges.has(key)) gauges.set(key, value);
    },
    families: () => [...declared.values()],
  };
}
