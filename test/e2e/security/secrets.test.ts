// Secrets stay secret: the shop runs its flows (orders confirmed and declined, refused calls,
// bad input, signed and unsigned deliveries) with known secret values, in workerd and in Deno,
// and no log line, span, metric or response body holds any of them.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { closeServer, freePort, listen } from '../../../devstack/listen.ts';
import { startOtlpCollector, type OtlpCollector } from '../../../devstack/otlp/index.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'orders', 'payments'];

describe.each(runtimes)('secrets on %s', (runtime) => {
  const vars = inject('devstackVars');
  const secrets = {
    SERVICE_AUTH_SECRET: `svc-secret-${randomUUID()}`,
    SERVICE_AUTH_NEXT_SECRET: `svc-next-${randomUUID()}`,
    EDGEMESH_OPERATOR_TOKEN: `operator-${randomUUID()}`,
  };
  const known = [
    ...Object.values(secrets),
    vars.UPSTASH_REDIS_REST_TOKEN!,
    vars.QSTASH_TOKEN!,
    vars.QSTASH_CURRENT_SIGNING_KEY!,
    vars.QSTASH_NEXT_SIGNING_KEY!,
  ];
  const ports: Record<string, number> = {};
  const logs: string[] = [];
  const bodies: string[] = [];
  let running: RunningFunction[] = [];
  let collector: OtlpCollector;
  const receiver = createServer((_req, res) => res.writeHead(200).end());
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    collector = await startOtlpCollector({ port: 0 });
    const sink = await listen(receiver, 0);
    running = await startFunctions(
      listFunctions().filter((spec) => names.includes(spec.name)),
      {
        runtime,
        ports,
        log: (line) => logs.push(line),
        vars: {
          ...vars,
          ...secrets,
          LOG_LEVEL: 'debug',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          ORDERS_EVENTS_DESTINATION: `http://127.0.0.1:${sink}/order-events`,
          EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:secrets-${runtime}-${randomUUID()}`,
          ...Object.fromEntries(names.map((n) => [`SERVICE_${n.toUpperCase()}_URL`, url(n)])),
        },
      },
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await collector?.close();
    await closeServer(receiver);
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(path, init);
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, text };
  };
  const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

  it('never writes a secret into a log line, span, metric or response', async () => {
    const sku = `secret-${randomUUID().slice(0, 8)}`;
    const operator = { authorization: `Bearer ${secrets.EDGEMESH_OPERATOR_TOKEN}` };
    await call(`${url('inventory')}/stock/${sku}`, json('PUT', { available: 5 }, operator));
    await call(
      `${url('inventory')}/stock/${sku}`,
      json('PUT', { available: 5 }, { authorization: 'Bearer wrong' }),
    );
    const placed: string[] = [];
    for (const customerId of ['c-ok', 'decline-c', 'c-ok-2']) {
      const { text } = await call(
        `${url('orders')}/orders`,
        json('POST', { customerId, items: [{ sku, quantity: 1, unitPrice: 100 }] }),
      );
      placed.push((JSON.parse(text) as { orderId: string }).orderId);
    }
    await call(`${url('orders')}/orders`, json('POST', { customerId: 'c\u0000', items: [] }));
    await call(`${url('payments')}/payments`, json('POST', { paymentId: 'p-1' }));
    await call(`${url('orders')}/outbox/sweep`, { method: 'POST' });
    await call(`${url('orders')}/saga/steps`, json('POST', {}, { 'upstash-signature': 'forged' }));
    const deadline = Date.now() + 30_000;
    for (const orderId of placed) {
      while (Date.now() < deadline) {
        const order = JSON.parse((await call(`${url('orders')}/orders/${orderId}`)).text) as {
          status: string;
        };
        if (order.status !== 'pending') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    for (const name of names) bodies.push((await call(`${url(name)}/metrics`)).text);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { traces } = (await (await fetch(`${collector.url}/api/traces?limit=500`)).json()) as {
      traces: Array<{ traceId: string }>;
    };
    const spans = await Promise.all(
      traces.map(async ({ traceId }) =>
        (await fetch(`${collector.url}/api/traces/${traceId}`)).text(),
      ),
    );
    expect(spans.length).toBeGreaterThan(3);
    expect(logs.length).toBeGreaterThan(10);
    const everything = [...logs, ...spans, ...bodies].join('\n');
    for (const secret of known) expect(everything.includes(secret), 'a secret leaked').toBe(false);
  }, 120_000);
});
