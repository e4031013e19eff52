import { randomBytes, randomUUID } from 'node:crypto';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '../../../shared/redis/upstash.ts';
import type { CollectedSpan } from '../../../devstack/otlp/spans.ts';
import { startFixture, type RunningFixture } from '../../fixtures/telemetry/start.ts';

interface PromFamily {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string }>;
}

const runtimes = ['workerd', 'deno'] as const;

async function metricsOf(url: string): Promise<PromFamily[]> {
  const response = await fetch(`${url}/metrics`);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parsePrometheusTextFormat(await response.text()) as PromFamily[];
}

function healthRequests(families: PromFamily[]): number {
  const family = families.find((f) => f.name === 'edgemesh_http_requests_total');
  const series = family?.metrics.find(
    (m) =>
      m.labels?.service === 'fixture-a' &&
      m.labels.route === '/health' &&
      m.labels.status === '200',
  );
  return Number(series?.value ?? 0);
}

// parse-prometheus-text-format merges the label sets of a histogram into one sample, so the
// count of one labelled histogram is read from its `_count` line.
async function healthDurationCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('edgemesh_http_request_duration_seconds_count{') &&
        l.includes('route="/health"'),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe.each(runtimes)('telemetry of a fixture service on %s', (runtime) => {
  const devstack = inject('devstackVars');
  const collector = devstack.OTEL_EXPORTER_OTLP_ENDPOINT!;
  const secrets = {
    serviceAuth: `svc-${randomBytes(12).toString('hex')}`,
    dbPassword: `pw-${randomBytes(12).toString('hex')}`,
  };
  const vars = {
    ...devstack,
    SERVICE_AUTH_SECRET: secrets.serviceAuth,
    DATABASE_URL: `postgres://app:${secrets.dbPassword}@127.0.0.1:5432/test`,
    METRICS_PREFIX: `test:telemetry:${runtime}:${randomUUID()}`,
  };
  let b: RunningFixture;
  let a1: RunningFixture;
  let a2: RunningFixture;

  beforeAll(async () => {
    const id = randomUUID().slice(0, 8);
    b = await startFixture(runtime, `telemetry-b-${id}`, { ...vars, FIXTURE_NAME: 'fixture-b' });
    const aVars = { ...vars, FIXTURE_NAME: 'fixture-a', DOWNSTREAM_URL: b.url };
    [a1, a2] = await Promise.all([
      startFixture(runtime, `telemetry-a1-${id}`, aVars),
      startFixture(runtime, `telemetry-a2-${id}`, aVars),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a1?.stop(), a2?.stop(), b?.stop()]);
    const redis = createRedis({
      UPSTASH_REDIS_REST_URL: devstack.UPSTASH_REDIS_REST_URL!,
      UPSTASH_REDIS_REST_TOKEN: devstack.UPSTASH_REDIS_REST_TOKEN!,
    });
    await redis.del(`${vars.METRICS_PREFIX}:families`, `${vars.METRICS_PREFIX}:values`);
  });

  it('shows the requests of both isolates on /metrics of either, as valid exposition', async () => {
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${a1.url}/health`)).status).toBe(200);
    for (let i = 0; i < 5; i += 1) expect((await fetch(`${a2.url}/health`)).status).toBe(200);
    // a2 pushes its deltas in waitUntil shortly after answering; a1's /metrics pushes its own.
    await expect
      .poll(async () => healthRequests(await metricsOf(a1.url)), { timeout: 10_000 })
      .toBe(8);
    const fromA2 = await metricsOf(a2.url);
    expect(healthRequests(fromA2)).toBe(8);
    expect(await healthDurationCount(a2.url)).toBe(8);
    expect(fromA2.find((f) => f.name === 'edgemesh_http_request_duration_seconds')?.type).toBe(
      'HISTOGRAM',
    );
  });

  it('labels unknown paths by one route label, not by the raw path', async () => {
    await fetch(`${a1.url}/no/such/${randomUUID()}`);
    await fetch(`${a1.url}/no/such/${randomUUID()}`);
    const families = await metricsOf(a1.url);
    const routes = families
      .find((f) => f.name === 'edgemesh_http_requests_total')!
      .metrics.map((m) => m.labels?.route);
    expect(routes).toContain('(unmatched)');
    expect(routes.some((route) => route?.startsWith('/no/such'))).toBe(false);
  });

  it('collects the spans of a two-hop call as one tree, found by order id', async () => {
    const orderId = randomUUID();
    const response = await fetch(`${a1.url}/hop/${orderId}`);
    expect(response.status).toBe(200);
    const { traceId } = (await response.json()) as { traceId: string };
    expect(response.headers.get('traceresponse')).toContain(traceId);

    let spans: CollectedSpan[] = [];
    await expect
      .poll(
        async () => {
          const found = (await (
            await fetch(`${collector}/api/traces?attribute=order.id&value=${orderId}`)
          ).json()) as { traceIds: string[] };
          if (found.traceIds.length !== 1) return 0;
          const trace = (await (
            await fetch(`${collector}/api/traces/${found.traceIds[0]}`)
          ).json()) as {
            spans: CollectedSpan[];
          };
          spans = trace.spans;
          return spans.length;
        },
        { timeout: 10_000 },
      )
      .toBe(4);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ service: 'fixture-a', name: 'GET /hop/:orderId', traceId });
    for (const span of spans) {
      expect(span.traceId).toBe(traceId);
      if (span.parentSpanId) expect(byId.has(span.parentSpanId)).toBe(true);
    }
    const chain = (span: CollectedSpan) => `${span.service}:${span.name}`;
    const client = spans.find((span) => span.parentSpanId === roots[0]!.spanId)!;
    expect(chain(client)).toBe('fixture-a:GET fixture-b');
    const server = spans.find((span) => span.parentSpanId === client.spanId)!;
    expect(chain(server)).toBe('fixture-b:GET /orders/:id/echo');
    const query = spans.find((span) => span.parentSpanId === server.spanId)!;
    expect(query).toMatchObject({
      name: 'postgres SELECT',
      attributes: { 'db.operation.name': 'SELECT' },
    });
    expect(JSON.stringify(query.attributes)).not.toContain('order_id');
  });

  it('writes JSON log lines that carry the trace id of the request on both hops', async () => {
    const orderId = randomUUID();
    const { traceId } = (await (await fetch(`${a2.url}/hop/${orderId}`)).json()) as {
      traceId: string;
    };
    const parsed = (lines: string[]) =>
      lines.flatMap((line) => {
        try {
          const value = JSON.parse(line) as Record<string, unknown>;
          return typeof value.service === 'string' ? [value] : [];
        } catch {
          return [];
        }
      });
    await expect.poll(() => parsed(b.lines).some((line) => line.orderId === orderId)).toBe(true);
    const upstream = parsed(a2.lines).find((line) => line.orderId === orderId)!;
    const downstream = parsed(b.lines).find((line) => line.orderId === orderId)!;
    expect(upstream).toMatchObject({
      level: 'info',
      service: 'fixture-a',
      traceId,
      message: 'calling downstream',
    });
    expect(downstream).toMatchObject({ service: 'fixture-b', traceId, message: 'echoed' });
    expect(typeof upstream.time).toBe('string');
    expect(upstream.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('never writes the Redis token, the service secret or the database password to its logs', async () => {
    expect((await fetch(`${a1.url}/leak`)).status).toBe(200);
    expect((await fetch(`${a1.url}/boom`)).status).toBe(500);
    await expect.poll(() => a1.lines.some((line) => line.includes('request failed'))).toBe(true);
    const all = [...a1.lines, ...a2.lines, ...b.lines].join('\n');
    expect(all).toContain('configuration in use');
    expect(all).not.toContain(devstack.UPSTASH_REDIS_REST_TOKEN);
    expect(all).not.toContain(secrets.serviceAuth);
    expect(all).not.toContain(secrets.dbPassword);
  });
});
