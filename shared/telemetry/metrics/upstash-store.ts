import type { Redis } from '@upstash/redis';
import type { MetricFamily } from './registry.ts';
import type { MetricsStore } from './store.ts';

export interface UpstashMetricsStoreOptions {
  /** Key prefix; a service's isolates share it. Default `edgemesh:metrics`. */
  prefix?: string;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toFamily(value: unknown): MetricFamily | undefined {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const family = parsed as Partial<MetricFamily>;
  return typeof family.name === 'string' && typeof family.kind === 'string'
    ? (family as MetricFamily)
    : undefined;
}

/**
 * Metrics aggregated in Redis through `@upstash/redis`: `<prefix>:families` (a hash of family
 * declarations) and `<prefix>:values` (a hash of series; increments via HINCRBYFLOAT, gauges
 * via HSET). Each push and each read is one pipeline, so one HTTP round trip.
 */
export function upstashMetricsStore(
  redis: Redis,
  { prefix = 'edgemesh:metrics' }: UpstashMetricsStoreOptions = {},
): MetricsStore {
  const familiesKey = `${prefix}:families`;
  const valuesKey = `${prefix}:values`;
  return {
    async push(deltas) {
      if (deltas.increments.size === 0 && deltas.gauges.size === 0) return;
      const pipeline = redis.pipeline();
      pipeline.hset(
        familiesKey,
        Object.fromEntries(deltas.families.map((family) => [family.name, JSON.stringify(family)])),
      );
      for (const [key, by] of deltas.increments) pipeline.hincrbyfloat(valuesKey, key, by);
      if (deltas.gauges.size > 0) pipeline.hset(valuesKey, Object.fromEntries(deltas.gauges));
      await pipeline.exec();
    },
    async read() {
      const [families, values] = await redis
        .pipeline()
        .hgetall(familiesKey)
        .hgetall(valuesKey)
        .exec<[Record<string, unknown> | null, Record<string, unknown> | null]>();
      return {
        families: Object.values(families ?? {})
          .map(toFamily)
          .filter((family): family is MetricFamily => family !== undefined),
        values: new Map(
          Object.entries(values ?? {}).map(([key, value]) => [key, toNumber(value)] as const),
        ),
      };
    },
  };
}
