import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { EdgeMeshError } from '../../../../shared/errors/edgemesh-error.ts';
import { validate } from '../../../../shared/http/validate.ts';
import { createLogger, type LogLevel } from '../../../../shared/telemetry/log.ts';
import { memoryMetricsStore } from '../../../../shared/telemetry/metrics/store.ts';
import { instrumentApp, type TelemetryEnv } from '../../../../shared/telemetry/hono.ts';
import type { SpanSink } from '../../../../shared/telemetry/otlp-exporter.ts';
import { createTelemetry } from '../../../../shared/telemetry/telemetry.ts';

function setup({ sampleRatio = 1 }: { sampleRatio?: number } = {}) {
  const exported: ReadableSpan[] = [];
  const lines: Array<{ line: string; level: LogLevel }> = [];
  const sink: SpanSink = {
    send: (spans) => {
      exported.push(...spans);
      return Promise.resolve();
    },
  };
  const pending: Array<Promise<unknown>> = [];
  const store = memoryMetricsStore();
  const telemetry = createTelemetry({
    service: 'unit',
    spans: sink,
    sampleRatio,
    metricsStore: store,
    flushDelayMs: 0,
    log: createLogger({ service: 'unit', write: (line, level) => lines.push({ line, level }) }),
    waitUntil: (promise) => void pending.push(promise),
    fetch: (input, init) =>
      Promise.resolve(
        Response.json({
          traceparent: new Headers(init?.headers).get('traceparent'),
          url: input instanceof Request ? input.url : input.toString(),
        }),
      ),
  });
  const inner = new Hono<TelemetryEnv>()
    .post('/orders', validate('json', z.object({ sku: z.string() })), (c) => {
      c.var.telemetry.annotate({ 'order.id': 'o-1' });
      return c.json({ ok: true }, 202);
    })
    .get('/orders/:id', (c) => {
      throw new EdgeMeshError('NOT_FOUND', `no order ${c.req.param('id')}`);
    })
    .get('/crash', () => {
      throw new Error('kaput');
    })
    .get('/call', async (c) =>
      c.json(await (await c.var.telemetry.fetch('http://inventory.test/stock/a?token=x')).json()),
    );
  const app = instrumentApp(inner, telemetry);
  const settle = async () => {
    await Promise.all(pending.splice(0));
  };
  return { app, exported, lines, store, settle, telemetry };
}

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('telemetry middleware', () => {
  it('continues the caller trace and names the span by route template and status', async () => {
    const { app, exported, settle } = setup();
    const response = await app.request('/orders/42', { headers: { traceparent } });
    await settle();
    expect(response.status).toBe(404);
    expect(exported).toHaveLength(1);
    const span = exported[0]!;
    expect(span.name).toBe('GET /orders/:id');
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span.attributes).toMatchObject({
      'http.route': '/orders/:id',
      'http.response.status_code': 404,
    });
    expect(response.headers.get('traceresponse')).toMatch(
      new RegExp(`^00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01$`),
    );
  });

  it('starts a new trace without traceparent and keeps the validation problem', async () => {
    const { app, exported, settle } = setup();
    const response = await app.request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 1 }),
    });
    await settle();
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('VALIDATION');
    expect(exported[0]!.parentSpanContext).toBeUndefined();
    expect(exported[0]!.name).toBe('POST /orders');
  });

  it('marks 5xx spans as errors and logs them with the trace id', async () => {
    const { app, exported, lines, settle } = setup();
    const response = await app.request('/crash');
    await settle();
    expect(response.status).toBe(500);
    expect(exported[0]!.status.code).toBe(2);
    const logged = JSON.parse(lines.find((l) => l.level === 'error')!.line) as Record<
      string,
      unknown
    >;
    expect(logged).toMatchObject({
      message: 'request failed',
      route: '/crash',
      traceId: exported[0]!.spanContext().traceId,
    });
  });

  it('writes a scope line above the level with the request trace and span ids', async () => {
    const lines: string[] = [];
    const telemetry = createTelemetry({
      service: 'unit',
      spans: { send: () => Promise.resolve() },
      flushDelayMs: 0,
      log: createLogger({ service: 'unit', level: 'warn', write: (line) => lines.push(line) }),
    });
    const ids: string[] = [];
    const inner = new Hono<TelemetryEnv>().get('/stock', (c) => {
      const scope = c.get('telemetry');
      ids.push(scope.traceId, scope.spanId);
      scope.log.info('filtered out');
      scope.log.warn('low stock', { sku: 'kettle' });
      return c.json({ ok: true });
    });
    await instrumentApp(inner, telemetry).request('/stock');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ message: 'low stock', traceId: ids[0], spanId: ids[1] }),
    ]);
  });

  it('counts requests per route template, status and errors, pushed to the store', async () => {
    const { app, store, settle } = setup();
    await app.request('/orders/1');
    await app.request('/orders/2');
    await app.request('/crash');
    await app.request('/unknown/path');
    await settle();
    const values = (await store.read()).values;
    expect(
      values.get(
        'edgemesh_http_requests_total{service="unit",method="GET",route="/orders/:id",status="404"}',
      ),
    ).toBe(2);
    expect(
      values.get('edgemesh_http_request_errors_total{service="unit",method="GET",route="/crash"}'),
    ).toBe(1);
    expect(
      values.get(
        'edgemesh_http_requests_total{service="unit",method="GET",route="(unmatched)",status="404"}',
      ),
    ).toBe(1);
    expect(
      values.get(
        'edgemesh_http_request_duration_seconds_count{service="unit",method="GET",route="/orders/:id"}',
      ),
    ).toBe(2);
  });

  it('injects traceparent into outbound calls as a child client span, without the query string', async () => {
    const { app, exported, settle } = setup();
    const body = (await (await app.request('/call', { headers: { traceparent } })).json()) as {
      traceparent: string;
    };
    await settle();
    const client = exported.find((span) => span.name === 'GET inventory.test')!;
    const server = exported.find((span) => span.name === 'GET /call')!;
    expect(body.traceparent).toBe(
      `00-0af7651916cd43dd8448eb211c80319c-${client.spanContext().spanId}-01`,
    );
    expect(client.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.attributes['url.full']).toBe('http://inventory.test/stock/a');
  });

  it('serves /metrics as Prometheus text without tracing the scrape', async () => {
    const { app, exported, settle } = setup();
    await app.request('/orders/1');
    const response = await app.request('/metrics');
    await settle();
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE edgemesh_http_requests_total counter');
    expect(exported.map((span) => span.name)).toEqual(['GET /orders/:id']);
  });

  it('records nothing but still propagates when the sampler drops the trace', async () => {
    const { app, exported, settle } = setup({ sampleRatio: 0 });
    const response = await app.request('/call');
    await settle();
    expect(exported).toHaveLength(0);
    expect(((await response.json()) as { traceparent: string }).traceparent).toMatch(/-00$/);
  });

  it('keeps a sampled parent decision even at ratio 0', async () => {
    const { app, exported, settle } = setup({ sampleRatio: 0 });
    await app.request('/orders/1', { headers: { traceparent } });
    await settle();
    expect(exported).toHaveLength(1);
  });
});

describe('telemetry flush', () => {
  it('puts metric deltas back when the push fails and sends them with the next flush', async () => {
    const store = memoryMetricsStore();
    let failing = true;
    const telemetry = createTelemetry({
      service: 'unit',
      metricsStore: {
        push: (deltas) => (failing ? Promise.reject(new Error('redis down')) : store.push(deltas)),
        read: () => store.read(),
      },
      log: createLogger({ service: 'unit', write: () => {} }),
    });
    const jobs = telemetry.metrics.counter('jobs_total', 'Jobs.');
    jobs.inc();
    await telemetry.flush();
    failing = false;
    jobs.inc();
    await telemetry.flush();
    expect((await store.read()).values.get('jobs_total')).toBe(2);
  });

  it('shares one flush between concurrent requests and flushes what came in meanwhile', async () => {
    const pushes: number[] = [];
    const telemetry = createTelemetry({
      service: 'unit',
      metricsStore: {
        push: async (deltas) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          pushes.push(deltas.increments.get('jobs_total') ?? 0);
        },
        read: () => memoryMetricsStore().read(),
      },
    });
    const jobs = telemetry.metrics.counter('jobs_total', 'Jobs.');
    jobs.inc();
    const first = telemetry.flush();
    jobs.inc();
    const second = telemetry.flush();
    jobs.inc();
    const third = telemetry.flush();
    await Promise.all([first, second, third]);
    expect(pushes).toEqual([1, 2]);
  });
});
