import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../../devstack/console/metrics/exposition.ts';
import { redBetween, snapshotOf } from '../../../../devstack/console/metrics/red.ts';

const scrape = (requests: number, errors: number, fast: number, slow: number) => `
# HELP edgemesh_http_requests_total HTTP requests served.
# TYPE edgemesh_http_requests_total counter
edgemesh_http_requests_total{service="orders",method="POST",route="/orders",status="202"} ${requests - errors}
edgemesh_http_requests_total{service="orders",method="POST",route="/orders",status="503"} ${errors}
edgemesh_http_request_errors_total{service="orders",method="POST",route="/orders"} ${errors}
edgemesh_http_request_duration_seconds_bucket{service="orders",method="POST",route="/orders",le="0.05"} ${fast}
edgemesh_http_request_duration_seconds_bucket{service="orders",method="POST",route="/orders",le="0.5"} ${fast + slow}
edgemesh_http_request_duration_seconds_bucket{service="orders",method="POST",route="/orders",le="+Inf"} ${fast + slow}
edgemesh_http_requests_total{service="orders",method="GET",route="/orders/:id",status="200"} 7
edgemesh_dependency_calls_total{service="orders",dependency="inventory",operation="POST /reservations",outcome="error"} 2
edgemesh_dependency_errors_total{service="orders",dependency="inventory",operation="POST /reservations"} 2
edgemesh_dependency_duration_seconds_bucket{service="orders",dependency="inventory",operation="POST /reservations",le="0.1"} 2
`;

describe('console metrics', () => {
  it('reads labelled histograms per route, with escaped label values', () => {
    const samples = parseExposition(`${scrape(10, 1, 9, 1)}x_total{a="q\\"uote\\\\"} 1\n`);
    const snapshot = snapshotOf(samples, 0);
    expect(snapshot.routes.get('POST /orders')).toMatchObject({ requests: 10, errors: 1 });
    expect(snapshot.routes.get('POST /orders')?.buckets.get(0.05)).toBe(9);
    expect(snapshot.routes.get('GET /orders/:id')?.requests).toBe(7);
    expect(snapshot.dependencies.get('inventory POST /reservations')?.buckets.get(0.1)).toBe(2);
    expect(snapshot.dependencies.get('inventory POST /reservations')).toMatchObject({
      requests: 2,
      errors: 2,
    });
    expect(samples.at(-1)?.labels).toEqual({ a: 'q"uote\\' });
  });

  it('gives the rate, error ratio and p99 of what happened between two scrapes', () => {
    const before = snapshotOf(parseExposition(scrape(10, 0, 10, 0)), 0).routes.get('POST /orders');
    const after = snapshotOf(parseExposition(scrape(110, 10, 108, 2)), 10_000).routes.get(
      'POST /orders',
    )!;
    expect(redBetween(before, after, 10)).toEqual({ rate: 10, errorRatio: 0.1, p99Ms: 500 });
    const quiet = redBetween(after, after, 10);
    expect(quiet).toEqual({ rate: 0, errorRatio: null, p99Ms: null });
  });

  it('counts from zero again after a function restarts', () => {
    const before = snapshotOf(parseExposition(scrape(500, 0, 500, 0)), 0).routes.get(
      'POST /orders',
    );
    const after = snapshotOf(parseExposition(scrape(20, 0, 20, 0)), 2_000).routes.get(
      'POST /orders',
    )!;
    expect(redBetween(before, after, 2).rate).toBe(10);
  });
});
