/** Label names to values of one series. */
export type Labels = Readonly<Record<string, string>>;

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

/** The label value that replaces every value once a family reaches its series limit. */
export const overflowLabel = '_other';

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

/** The exposition key of a series: `name{a="x",b="y"}` with labels in declared order. */
export function seriesKey(name: string, labelNames: readonly string[], values: Labels): string {
  if (labelNames.length === 0) return name;
  const pairs = labelNames.map((label) => `${label}="${escapeLabelValue(values[label] ?? '')}"`);
  return `${name}{${pairs.join(',')}}`;
}

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

  function declare(family: MetricFamily): MetricFamily {
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

  // Series keys per label set, built once: recording is then a few map lookups and an addition.
  // One map level per label, so a record builds no identity string (a profile showed that work).
  // Bounded cardinality: a label set beyond the limit resolves to the all-`_other` series.
  type Level = Map<string, Level | string[]>;
  function seriesKeys(
    family: MetricFamily,
    build: (bounded: Labels) => string[],
  ): (labels: Labels) => string[] {
    const names = family.labelNames;
    const seen = knownSeries.get(family.name)!;
    const root: Level = new Map();
    let overflow: string[] | undefined;
    return function keysOf(labels) {
      let level: Level | undefined = root;
      for (let i = 0; i < names.length - 1 && level; i += 1) {
        level = level.get(labels[names[i]!] ?? '') as Level | undefined;
      }
      const leaf = names.length === 0 ? '' : (labels[names[names.length - 1]!] ?? '');
      const hit = level?.get(leaf) as string[] | undefined;
      if (hit) return hit;
      const values = names.map((label) => labels[label] ?? '');
      const identity = values.join('\u0000');
      if (seen.size >= maxSeriesPerFamily && !seen.has(identity)) {
        return (overflow ??= build(
          Object.fromEntries(names.map((label) => [label, overflowLabel])),
        ));
      }
      seen.add(identity);
      const keys = build(labels);
      level = root;
      for (const value of values.slice(0, -1)) {
        let next = level.get(value) as Level | undefined;
        if (!next) level.set(value, (next = new Map()));
        level = next;
      }
      level.set(leaf, keys);
      return keys;
    };
  }

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
