import type { MetricDeltas, MetricFamily } from './registry.ts';

/** Every isolate's metrics added up: families and series values keyed like `name{a="x"}`. */
export interface MetricsSnapshot {
  readonly families: readonly MetricFamily[];
  readonly values: ReadonlyMap<string, number>;
}

/** Where isolates add their deltas and where `/metrics` reads the sum of all of them. */
export interface MetricsStore {
  /** Adds increments, writes gauges and family declarations, in one round trip. */
  push(deltas: MetricDeltas, signal?: AbortSignal): Promise<void>;
  /** The aggregate of every push so far. */
  read(signal?: AbortSignal): Promise<MetricsSnapshot>;
}

/** A metrics store in memory, for tests and single-process hosts. */
export function memoryMetricsStore(): MetricsStore {
  const families = new Map<string, MetricFamily>();
  const values = new Map<string, number>();
  return {
    async push(deltas) {
      await Promise.resolve();
      for (const family of deltas.families) families.set(family.name, family);
      for (const [key, by] of deltas.increments) values.set(key, (values.get(key) ?? 0) + by);
      for (const [key, value] of deltas.gauges) values.set(key, value);
    },
    async read() {
      await Promise.resolve();
      return { families: [...families.values()], values: new Map(values) };
    },
  };
}
