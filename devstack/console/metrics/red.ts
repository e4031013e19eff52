import type { Sample } from './exposition.ts';

/** Counters of one route (or dependency) at one moment. */
export interface Counters {
  requests: number;
  errors: number;
  /** Cumulative duration buckets: upper bound in seconds → count. */
  buckets: Map<number, number>;
}

/** One scrape of a function's `/metrics`, reduced to what the console charts. */
export interface Snapshot {
  /** ms since the epoch. */
  readonly at: number;
  /** By `METHOD /route`. */
  readonly routes: ReadonlyMap<string, Counters>;
  /** By `dependency operation`. */
  readonly dependencies: ReadonlyMap<string, Counters>;
}

/** Rate, error ratio and p99 of one route over a span of time. */
export interface Red {
  /** Requests per second. */
  readonly rate: number;
  /** Share of requests that failed, 0–1; null without requests. */
  readonly errorRatio: number | null;
  /** 99th percentile duration in ms (the upper bound of its bucket); null without requests. */
  readonly p99Ms: number | null;
}

function counters(map: Map<string, Counters>, key: string): Counters {
  let found = map.get(key);
  if (!found) {
    found = { requests: 0, errors: 0, buckets: new Map() };
    map.set(key, found);
  }
  return found;
}

/** Reduces samples to per-route and per-dependency counters. */
export function snapshotOf(samples: readonly Sample[], at: number): Snapshot {
  const routes = new Map<string, Counters>();
  const dependencies = new Map<string, Counters>();
  for (const { name, labels, value } of samples) {
    const route = `${labels.method} ${labels.route}`;
    const dependency = `${labels.dependency} ${labels.operation}`;
    if (name === 'edgemesh_http_requests_total') counters(routes, route).requests += value;
    else if (name === 'edgemesh_http_request_errors_total') counters(routes, route).errors += value;
    else if (name === 'edgemesh_http_request_duration_seconds_bucket' && labels.le !== '+Inf') {
      const buckets = counters(routes, route).buckets;
      buckets.set(Number(labels.le), (buckets.get(Number(labels.le)) ?? 0) + value);
    } else if (name === 'edgemesh_dependency_duration_seconds_bucket' && labels.le !== '+Inf') {
      const buckets = counters(dependencies, dependency).buckets;
      buckets.set(Number(labels.le), (buckets.get(Number(labels.le)) ?? 0) + value);
    } else if (name === 'edgemesh_dependency_calls_total')
      counters(dependencies, dependency).requests += value;
    else if (name === 'edgemesh_dependency_errors_total')
      counters(dependencies, dependency).errors += value;
  }
  return { at, routes, dependencies };
}

function p99(before: Counters | undefined, after: Counters, count: number): number | null {
  if (count <= 0) return null;
  const wanted = count * 0.99;
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  for (const bound of bounds) {
    const seen = after.buckets.get(bound)! - (before?.buckets.get(bound) ?? 0);
    if (seen >= wanted) return bound * 1000;
  }
  // Beyond the largest finite bucket.
  return bounds.length > 0 ? bounds[bounds.length - 1]! * 1000 : null;
}

/** RED of one key between two snapshots (a counter that went down means a restart: from 0). */
export function redBetween(before: Counters | undefined, after: Counters, seconds: number): Red {
  const reset = before !== undefined && after.requests < before.requests;
  const base = reset ? undefined : before;
  const requests = after.requests - (base?.requests ?? 0);
  const errors = after.errors - (base?.errors ?? 0);
  return {
    rate: seconds > 0 ? requests / seconds : 0,
    errorRatio: requests > 0 ? errors / requests : null,
    p99Ms: p99(base, after, requests),
  };
}
