// Live settings while orders flow, in workerd and in Deno, without a restart: the orders →
// inventory attempt timeout and the breaker's threshold change what calls do and what /metrics
// shows; the log level and the sampling ratio change what is logged and traced.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions, loadServices } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { closeServer, freePort, listen } from '../../../devstack/listen.ts';
import { createSettingsAdmin } from '../../../shared/config/index.ts';
import { upstashConfigStore } from '../../../shared/config/upstash-store.ts';
import { createRedis } from '../../../shared/redis/upstash.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'orders', 'payments'];

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    value = await read();
  }
  return value;
}

describe.each(runtimes)('live settings on %s', (runtime) => {
  const vars = inject('devstackVars');
  const run = `${runtime}-${randomUUID().slice(0, 8)}`;
  const prefix = `edgemesh:config:e2e-${run}:`;
  const operatorToken = `e2e-operator-${randomUUID()}`;
  const ports: Record<string, number> = {};
  const logs: string[] = [];
  let running: RunningFunction[] = [];
  let admin: ReturnType<typeof createSettingsAdmin>;
  const receiver = createServer((_req, res) => res.writeHead(200).end());
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    const sink = await listen(receiver, 0);
    const specs = listFunctions().filter((spec) => names.includes(spec.name));
    const services = await loadServices(specs);
    admin = createSettingsAdmin({
      store: upstashConfigStore(
        createRedis({
          UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
          UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
        }),
        { prefix },
      ),
      services: Object.fromEntries(services.map((service) => [service.name, service.settings])),
    });
    running = await startFunctions(specs, {
      runtime,
      ports,
      log: (line) => logs.push(line),
      vars: {
        ...vars,
        SERVICE_AUTH_SECRET: `e2e-live-settings-${randomUUID()}`,
        EDGEMESH_OPERATOR_TOKEN: operatorToken,
        EDGEMESH_CONFIG_PREFIX: prefix,
        EDGEMESH_BREAKER_PREFIX: `edgemesh:breaker:e2e-${run}`,
        EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:e2e-${run}`,
        ORDERS_EVENTS_DESTINATION: `http://127.0.0.1:${sink}/order-events`,
        ORDERS_SAGA_DEADLINE_MS: '20000',
        ...Object.fromEntries(names.map((n) => [`SERVICE_${n.toUpperCase()}_URL`, url(n)])),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await closeServer(receiver);
  });

  const place = async (sku: string) => {
    const response = await fetch(`${url('orders')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: `c-${randomUUID().slice(0, 8)}`,
        items: [{ sku, quantity: 1, unitPrice: 100 }],
      }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string; status: string }).orderId;
  };
  const statusOf = async (orderId: string) =>
    ((await (await fetch(`${url('orders')}/orders/${orderId}`)).json()) as { status: string })
      .status;
  const metrics = async () => (await fetch(`${url('orders')}/metrics`)).text();
  const revisionOf = async (service: string) =>
    (
      (await (await fetch(`${url(service)}/health`)).json()) as {
        settings: { revision: { service: number } };
      }
    ).settings.revision.service;

  it('changes the attempt timeout and breaker of calls to inventory while orders flow', async () => {
    const sku = `live-${run}`;
    await fetch(`${url('inventory')}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({ available: 100 }),
    });
    const before = await place(sku);
    expect(
      await eventually(
        () => statusOf(before),
        (s) => s !== 'pending',
      ),
    ).toBe('confirmed');

    const actor = { actor: 'e2e' };
    await admin.set(
      'orders',
      'breaker',
      {
        minimumCalls: 2,
        windowSize: 4,
        failureRateThreshold: 50,
        waitInOpenMs: 60_000,
      },
      actor,
    );
    await admin.set(
      'orders',
      'calls',
      {
        inventory: { attemptTimeoutMs: 1, retry: { maxAttempts: 1 } },
      },
      actor,
    );
    expect(
      await eventually(
        () => revisionOf('orders'),
        (r) => r >= 2,
      ),
    ).toBeGreaterThanOrEqual(2);

    for (let i = 0; i < 4; i += 1) await place(sku);
    const text = await eventually(metrics, (m) =>
      /edgemesh_breaker_state\{[^}]*breaker="inventory"[^}]*state="OPEN"[^}]*\} 1/.test(m),
    );
    expect(text).toMatch(
      /edgemesh_breaker_state\{[^}]*breaker="inventory"[^}]*state="OPEN"[^}]*\} 1/,
    );
    expect(text).toMatch(/edgemesh_dependency_errors_total\{[^}]*dependency="inventory"/);
  }, 90_000);

  it('changes the log level and the sampling ratio', async () => {
    const actor = { actor: 'e2e' };
    const requestLines = () => logs.filter((line) => line.includes('"message":"request"')).length;
    await fetch(`${url('payments')}/health`);
    expect(requestLines()).toBe(0);
    await admin.set('global', 'logLevel', 'debug', actor);
    const lines = await eventually(
      async () => {
        await fetch(`${url('payments')}/health`);
        return requestLines();
      },
      (count) => count > 0,
    );
    expect(lines).toBeGreaterThan(0);

    const collector = vars.OTEL_EXPORTER_OTLP_ENDPOINT!;
    await admin.set('global', 'tracing.sampleRatio', 0, actor);
    await eventually(
      () => revisionOf('payments'),
      () => true,
      1,
    );
    const traced = async () => {
      const response = await fetch(`${url('payments')}/health`);
      const traceId = response.headers.get('traceresponse')?.split('-')[1] ?? '';
      await new Promise((resolve) => setTimeout(resolve, 800));
      return (await fetch(`${collector}/api/traces/${traceId}`)).status === 200;
    };
    expect(await eventually(traced, (seen) => !seen)).toBe(false);
    await admin.set('global', 'tracing.sampleRatio', 1, actor);
    expect(await eventually(traced, (seen) => seen)).toBe(true);
  }, 90_000);
});
