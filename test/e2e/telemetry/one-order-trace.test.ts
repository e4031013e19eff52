// One order is one trace: orders, the saga's QStash-delivered steps, inventory, payments and
// notifications, all four functions in workerd and in Deno against the devstack, spans read back
// from its OTLP collector. Metrics are aggregated under a per-run Redis prefix.
import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/qstash';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import type { CollectedSpan } from '../../../devstack/otlp/spans.ts';
import { applyTopology, resolveTopology } from '../../../shared/queue/topology.ts';
import { referenceTopology } from '../../support/reference-topology.ts';
import { createRedis } from '../../../shared/redis/upstash.ts';
import { serviceUrlVariable } from '../../../shared/discovery/static.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'notifications', 'orders', 'payments'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PromFamily {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string }>;
}

interface Order {
  orderId: string;
  status: string;
  reason?: string;
  traceId?: string;
}

/** The spans of a trace once every span's parent has arrived and `complete` holds. */
async function collectTree(
  collector: string,
  traceId: string,
  complete: (spans: CollectedSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<CollectedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: CollectedSpan[] = [];
  for (;;) {
    const response = await fetch(`${collector}/api/traces/${traceId}`);
    spans = response.ok ? ((await response.json()) as { spans: CollectedSpan[] }).spans : [];
    const ids = new Set(spans.map((span) => span.spanId));
    const linked = spans.every((span) => !span.parentSpanId || ids.has(span.parentSpanId));
    if ((linked && complete(spans)) || Date.now() > deadline) return spans;
    await sleep(200);
  }
}

const label = (span: CollectedSpan) => `${span.service}: ${span.name}`;

/** One root, every other span's parent present, one trace id. */
function expectOneTree(spans: CollectedSpan[], traceId: string): CollectedSpan {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const roots = spans.filter((span) => !span.parentSpanId);
  expect(roots.map(label)).toEqual(['orders: POST /orders']);
  for (const span of spans) {
    expect(span.traceId).toBe(traceId);
    if (span.parentSpanId) expect(byId.has(span.parentSpanId), label(span)).toBe(true);
  }
  return roots[0]!;
}

/** Labels on the way from `span` up to the root, nearest first. */
function ancestry(spans: CollectedSpan[], span: CollectedSpan): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const path: string[] = [];
  for (let at = byId.get(span.parentSpanId ?? ''); at; at = byId.get(at.parentSpanId ?? '')) {
    path.push(label(at));
  }
  return path;
}

describe.each(runtimes)('one order is one trace on %s', (runtime) => {
  const vars = inject('devstackVars');
  const operatorToken = `e2e-operator-${randomUUID()}`;
  const collector = vars.OTEL_EXPORTER_OTLP_ENDPOINT!;
  const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });
  const suffix = `-trace-${runtime}-${randomUUID().slice(0, 8)}`;
  const metricsPrefix = `test:one-trace:${runtime}:${randomUUID()}`;
  const ports: Record<string, number> = {};
  let running: RunningFunction[] = [];
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    const functionVars = {
      ...vars,
      SERVICE_AUTH_SECRET: `e2e-trace-secret-${randomUUID()}`,
      EDGEMESH_OPERATOR_TOKEN: operatorToken,
      ...Object.fromEntries(names.map((name) => [serviceUrlVariable(name), url(name)])),
      ORDERS_EVENTS_DESTINATION: `order-events${suffix}`,
      QSTASH_TOPOLOGY_SUFFIX: suffix,
      ORDERS_SAGA_DEADLINE_MS: '20000',
      EDGEMESH_METRICS_PREFIX: metricsPrefix,
    };
    const specs = listFunctions().filter((spec) =>
      (names as readonly string[]).includes(spec.name),
    );
    running = await startFunctions(specs, { runtime, ports, vars: functionVars });
    const urls = Object.fromEntries(running.map((fn) => [fn.name, fn.url]));
    await applyTopology(qstash, resolveTopology(referenceTopology, urls, { suffix }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await qstash.urlGroups.delete(`order-events${suffix}`).catch(() => {});
    for (const schedule of referenceTopology.schedules) {
      await qstash.schedules.delete(`${schedule.id}${suffix}`).catch(() => {});
    }
    const redis = createRedis({
      UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
      UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
    });
    const keys = names.flatMap((name) => [
      `${metricsPrefix}:${name}:families`,
      `${metricsPrefix}:${name}:values`,
    ]);
    await redis.del(...keys);
  });

  const setStock = async (sku: string, available: number) => {
    const response = await fetch(`${url('inventory')}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({ available }),
    });
    expect(response.status).toBe(200);
  };
  const place = async (customerId: string, sku: string) => {
    const response = await fetch(`${url('orders')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, items: [{ sku, quantity: 1, unitPrice: 1250 }] }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  };
  const settled = async (orderId: string): Promise<Order> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${url('orders')}/orders/${orderId}`);
      const order = response.ok ? ((await response.json()) as Order) : undefined;
      if (order && order.status !== 'pending') return order;
      if (Date.now() > deadline) throw new Error(`order ${orderId} still ${order?.status}`);
      await sleep(100);
    }
  };
  const notified = async (orderId: string, types: string[]) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${url('notifications')}/notifications?orderId=${orderId}`);
      const { notifications } = (await response.json()) as {
        notifications: Array<{ eventType: string; traceId?: string }>;
      };
      if (types.every((type) => notifications.some((n) => n.eventType === type))) {
        return notifications;
      }
      if (Date.now() > deadline) throw new Error(`no ${types.join(', ')} for ${orderId}`);
      await sleep(100);
    }
  };

  it('collects a confirmed order as a single span tree across all four functions', async () => {
    const sku = `trace-${suffix}`;
    await setStock(sku, 5);
    const orderId = await place(`c${suffix}`, sku);
    const order = await settled(orderId);
    expect(order.status).toBe('confirmed');
    const traceId = order.traceId!;
    expect(traceId).toMatch(/^[\da-f]{32}$/);
    const notifications = await notified(orderId, ['OrderPlaced', 'OrderConfirmed']);
    expect(notifications.every((n) => n.traceId === traceId)).toBe(true);

    const wanted = (spans: CollectedSpan[]) =>
      spans.filter((s) => s.service === 'notifications' && s.name === 'consume notifications')
        .length >= 2 &&
      spans.some((s) => s.name === 'saga step confirm') &&
      spans.some((s) => s.service === 'payments' && s.name === 'POST /payments/:id/confirm');
    const spans = await collectTree(collector, traceId, wanted);
    const root = expectOneTree(spans, traceId);
    expect(root.attributes['order.id']).toBe(orderId);
    // What `npm run trace -- <orderId>` asks the collector.
    const found = (await (
      await fetch(`${collector}/api/traces?attribute=order.id&value=${orderId}`)
    ).json()) as { traceIds: string[] };
    expect(found.traceIds).toEqual([traceId]);
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['orders', 'inventory', 'payments', 'notifications']),
    );

    // Saga steps run inline after the 202: each step's span hangs under the order's request.
    const steps = spans.filter((s) => s.name.startsWith('saga step '));
    expect(steps.map((s) => s.name).sort()).toEqual(
      ['saga step confirm', 'saga step try-inventory', 'saga step try-payments'].sort(),
    );
    for (const step of steps) {
      expect(ancestry(spans, step)[0]).toBe('orders: POST /orders');
    }

    // The reservation: saga step → client span (service, endpoint, attempt, breaker) → inventory.
    const reserve = spans.find(
      (s) => s.service === 'inventory' && s.name === 'POST /reservations',
    )!;
    expect(ancestry(spans, reserve).slice(0, 2)).toEqual([
      'orders: POST inventory',
      'orders: saga step try-inventory',
    ]);
    const call = spans.find((s) => s.spanId === reserve.parentSpanId)!;
    expect(call.attributes).toMatchObject({
      'peer.service': 'inventory',
      'edgemesh.endpoint': 'POST /reservations',
      'edgemesh.attempt': 1,
      'edgemesh.breaker.state': 'CLOSED',
      'http.response.status_code': 201,
    });
    const authorize = spans.find((s) => s.service === 'payments' && s.name === 'POST /payments')!;
    expect(ancestry(spans, authorize).slice(0, 2)).toEqual([
      'orders: POST payments',
      'orders: saga step try-payments',
    ]);

    // Postgres: every statement a request sends is a client span under it, by store operation,
    // with its statement kind and never a value (the customer id is in every row written).
    const queries = spans.filter((s) => s.name.startsWith('postgres '));
    const queriesUnder = (service: string, parentName: string) =>
      queries
        .filter((q) => {
          const up = spans.find((s) => s.spanId === q.parentSpanId);
          return up?.service === service && up.name === parentName;
        })
        .map((q) => q.name);
    // The order's append, then one append per inline step (its outcome and the next step's row),
    // with no read: each step knows the saga's state from the commit before it.
    expect(queriesUnder('orders', 'POST /orders')).toEqual([
      'postgres append',
      'postgres append',
      'postgres append',
      'postgres append',
    ]);
    expect(queriesUnder('inventory', 'POST /reservations')).toEqual(
      expect.arrayContaining(['postgres readDocument', 'postgres append']),
    );
    // A new authorization is written without a read first.
    expect(queriesUnder('payments', 'POST /payments')).toEqual(['postgres append']);
    expect(queriesUnder('notifications', 'POST /events/orders')).toContain('postgres append');
    for (const query of queries) {
      expect(query.attributes['db.system.name']).toBe('postgresql');
      expect(['SELECT', 'WITH']).toContain(query.attributes['db.operation.name']);
      expect(JSON.stringify(query.attributes)).not.toContain(`c${suffix}`);
    }

    // Order events: published from the outbox, consumed by notifications under the publish.
    const consumed = spans.filter((s) => s.name === 'consume notifications');
    expect(consumed).toHaveLength(2);
    for (const span of consumed) {
      expect(ancestry(spans, span).slice(0, 2)).toEqual([
        'notifications: POST /events/orders',
        `orders: publish order-events${suffix}`,
      ]);
    }
  });

  it('traces the compensation of a declined payment in the order’s tree', async () => {
    const sku = `declined-${suffix}`;
    await setStock(sku, 5);
    const orderId = await place(`decline-${suffix}`, sku);
    const order = await settled(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'payment_declined' });
    const notifications = await notified(orderId, ['OrderPlaced', 'OrderCancelled']);
    expect(notifications.map((n) => n.traceId)).toEqual([order.traceId, order.traceId]);
    const spans = await collectTree(
      collector,
      order.traceId!,
      (found) =>
        found.some(
          (s) => s.service === 'inventory' && s.name === 'POST /reservations/:id/cancel',
        ) &&
        found.some((s) => s.service === 'payments' && s.name === 'POST /payments') &&
        found.filter((s) => s.name === 'consume notifications').length >= 2,
    );
    expectOneTree(spans, order.traceId!);
    expect(spans.filter((s) => s.name === 'consume notifications')).toHaveLength(2);
    const compensation = spans.find((s) => s.name === 'saga compensate try-inventory')!;
    expect(compensation.attributes).toMatchObject({
      'saga.id': orderId,
      'saga.step': 'try-inventory',
    });
    const cancel = spans.find(
      (s) => s.service === 'inventory' && s.name === 'POST /reservations/:id/cancel',
    )!;
    expect(ancestry(spans, cancel).slice(0, 2)).toEqual([
      'orders: POST inventory',
      'orders: saga compensate try-inventory',
    ]);
    const declined = spans.find((s) => s.service === 'payments' && s.name === 'POST /payments')!;
    expect(declined.attributes['http.response.status_code']).toBe(402);
  });

  it('shows saga outcomes and per-dependency calls on /metrics of orders', async () => {
    const families = await (async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const response = await fetch(`${url('orders')}/metrics`);
        const parsed = parsePrometheusTextFormat(await response.text()) as PromFamily[];
        const outcomes = parsed.find((f) => f.name === 'edgemesh_saga_outcomes_total');
        if ((outcomes?.metrics.length ?? 0) >= 2 || Date.now() > deadline) return parsed;
        await sleep(200);
      }
    })();
    const family = (name: string) => families.find((f) => f.name === name);
    const value = (name: string, labels: Record<string, string>) =>
      Number(
        family(name)?.metrics.find((m) =>
          Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
        )?.value ?? Number.NaN,
      );
    expect(family('edgemesh_saga_outcomes_total')?.type).toBe('COUNTER');
    expect(
      value('edgemesh_saga_outcomes_total', {
        service: 'orders',
        saga: 'place-order',
        outcome: 'completed',
        reason: 'none',
      }),
    ).toBe(1);
    expect(
      value('edgemesh_saga_outcomes_total', {
        saga: 'place-order',
        outcome: 'aborted',
        reason: 'payment_declined',
      }),
    ).toBe(1);
    expect(family('edgemesh_saga_duration_seconds')?.type).toBe('HISTOGRAM');
    // Two reservations, two authorizations (one declined: 402 is an answer, not an error).
    expect(
      value('edgemesh_dependency_calls_total', {
        dependency: 'inventory',
        operation: 'POST /reservations',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(
      value('edgemesh_dependency_calls_total', {
        dependency: 'payments',
        operation: 'POST /payments',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(
      value('edgemesh_dependency_calls_total', {
        dependency: 'inventory',
        operation: 'POST /reservations/:id/cancel',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(family('edgemesh_dependency_duration_seconds')?.type).toBe('HISTOGRAM');
    const routes = family('edgemesh_http_requests_total')!.metrics.map((m) => m.labels?.route);
    expect(routes).toContain('/orders/:id');
    expect(routes.some((route) => route?.includes(suffix))).toBe(false);

    const notifications = parsePrometheusTextFormat(
      await (await fetch(`${url('notifications')}/metrics`)).text(),
    ) as PromFamily[];
    const deliveries = notifications.find((f) => f.name === 'edgemesh_queue_deliveries_total');
    const processed = deliveries?.metrics.find(
      (m) => m.labels?.consumer === 'notifications' && m.labels.outcome === 'processed',
    );
    expect(Number(processed?.value)).toBeGreaterThanOrEqual(4);
  });
});
