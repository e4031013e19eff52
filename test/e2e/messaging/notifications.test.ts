// Order events end to end: orders (outbox) → the devstack's QStash → notifications, in workerd
// and in Deno, through the official QStash client. A proxy in front of the Neon HTTP endpoint
// fails chosen writes, to make the handler fail the way a flaky database would.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { closeServer, freePort, listen } from '../../../devstack/listen.ts';
import { signDelivery } from '../../../devstack/qstash/signing.ts';
import { qstashPublisher } from '../../../shared/queue/qstash-publisher.ts';
import { applyTopology, resolveTopology } from '../../../shared/queue/topology.ts';
import { referenceTopology } from '../../support/reference-topology.ts';
import { ordersClient } from '../../support/orders-client.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

/** Forwards to the Neon HTTP endpoint; fails the next n writes whose body contains a marker. */
async function flakySqlProxy(upstream: string) {
  const failNext = new Map<string, number>();
  const failed = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      for (const [marker, left] of failNext) {
        if (left > 0 && text.includes(marker)) {
          failNext.set(marker, left - 1);
          failed.set(marker, (failed.get(marker) ?? 0) + 1);
          res.writeHead(503, { 'content-type': 'text/plain' }).end('database restarting');
          return;
        }
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) =>
          k === 'host' || k === 'content-length' || v === undefined ? [] : [[k, String(v)]],
        ),
      );
      fetch(upstream, { method: req.method ?? 'POST', headers, body })
        .then(async (response) => {
          res.writeHead(response.status, {
            'content-type': response.headers.get('content-type') ?? 'application/json',
          });
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}/sql`,
    failNext: (marker: string, times: number) => failNext.set(marker, times),
    failed: (marker: string) => failed.get(marker) ?? 0,
    close: () => closeServer(server),
  };
}

describe.each(runtimes)('messaging on %s: orders → QStash → notifications', (runtime) => {
  const vars = inject('devstackVars');
  const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });
  const suffix = `-${runtime}-${randomUUID().slice(0, 8)}`;
  const topic = `order-events${suffix}`;
  const specs = listFunctions().filter((s) => s.name === 'orders' || s.name === 'notifications');
  let proxy: Awaited<ReturnType<typeof flakySqlProxy>>;
  let ports: Record<string, number>;
  let running: RunningFunction[] = [];
  let notificationsUrl = '';

  const functionVars = (extra: Record<string, string> = {}) => ({
    ...vars,
    NEON_FETCH_ENDPOINT: proxy.url,
    ORDERS_EVENTS_DESTINATION: topic,
    ...extra,
  });

  const notificationsOf = async (orderId: string) => {
    const response = await fetch(`${notificationsUrl}/notifications?orderId=${orderId}`);
    const body = (await response.json()) as {
      notifications: Array<{ eventId: string; eventType: string; traceId?: string }>;
    };
    return body.notifications;
  };

  const orderEvent = (orderId: string, type = 'OrderPlaced', data: object = {}) => ({
    eventId: randomUUID(),
    type,
    streamId: `order-${orderId}`,
    streamVersion: 1,
    occurredAt: new Date().toISOString(),
    data: { orderId, customerId: 'c-e2e', total: 500, currency: 'USD', ...data },
  });

  beforeAll(async () => {
    proxy = await flakySqlProxy(vars.NEON_FETCH_ENDPOINT!);
    ports = { orders: await freePort(), notifications: await freePort() };
    running = await startFunctions(specs, { runtime, ports, vars: functionVars() });
    const urls = Object.fromEntries(running.map((fn) => [fn.name, fn.url]));
    notificationsUrl = urls.notifications!;
    // Only orders and notifications run here: leave the inventory sweep out.
    const desired = resolveTopology(referenceTopology, urls, { suffix, missing: 'skip' });
    await applyTopology(qstash, desired);
  });

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await qstash.urlGroups.delete(topic).catch(() => {});
    await qstash.schedules.delete(`orders-outbox-sweep${suffix}`).catch(() => {});
    await proxy?.close();
  });

  it('records one notification for a placed order, in the order request’s trace', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const placed = await ordersClient(running.find((fn) => fn.name === 'orders')!.url).place(
      { customerId: 'c-e2e', items: [{ sku: 'kettle', quantity: 2, unitPrice: 2599 }] },
      { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    );
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    await eventually(
      () => notificationsOf(orderId),
      (list) => list.length > 0,
    );
    await sleep(300);
    const list = await notificationsOf(orderId);
    expect(list).toEqual([expect.objectContaining({ eventType: 'OrderPlaced', traceId })]);
    const spans = await eventually(
      async () => {
        const response = await fetch(`${vars.OTEL_EXPORTER_OTLP_ENDPOINT}/api/traces/${traceId}`);
        if (!response.ok) return [];
        return ((await response.json()) as { spans: Array<{ service: string; name: string }> })
          .spans;
      },
      (found) => found.some((span) => span.name === 'consume notifications'),
    );
    expect(spans).toContainEqual(
      expect.objectContaining({ service: 'notifications', name: 'consume notifications' }),
    );
  });

  it('records one notification when the same message is delivered twice', async () => {
    const orderId = randomUUID();
    const body = JSON.stringify(orderEvent(orderId));
    const url = `${notificationsUrl}/events/orders`;
    const deliver = () =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'upstash-message-id': `msg_${orderId}`,
          'upstash-signature': signDelivery(
            vars.QSTASH_CURRENT_SIGNING_KEY!,
            url,
            Buffer.from(body),
            Date.now(),
          ),
        },
        body,
      });
    const first = await deliver();
    const second = await deliver();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.json()).toMatchObject({ status: 'duplicate' });
    expect(await notificationsOf(orderId)).toHaveLength(1);
  });

  it('records one notification when the same event is published twice through QStash', async () => {
    const orderId = randomUUID();
    const event = orderEvent(orderId);
    await qstash.publishJSON({ urlGroup: topic, body: event });
    await qstash.publishJSON({ urlGroup: topic, body: event });
    await eventually(
      () => notificationsOf(orderId),
      (list) => list.length > 0,
    );
    await sleep(500);
    expect(await notificationsOf(orderId)).toHaveLength(1);
  });

  it('answers 401 to a tampered signature and writes nothing', async () => {
    const orderId = randomUUID();
    const url = `${notificationsUrl}/events/orders`;
    const signed = JSON.stringify(orderEvent(randomUUID()));
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'upstash-message-id': `msg_${orderId}`,
        'upstash-signature': signDelivery(
          vars.QSTASH_CURRENT_SIGNING_KEY!,
          url,
          Buffer.from(signed),
          Date.now(),
        ),
      },
      body: JSON.stringify(orderEvent(orderId)),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await notificationsOf(orderId)).toEqual([]);
  });

  it('records one notification after the handler failed twice and QStash retried', async () => {
    const orderId = randomUUID();
    const event = orderEvent(orderId);
    proxy.failNext(event.eventId, 2);
    await qstash.publishJSON({ urlGroup: topic, body: event });
    await eventually(
      () => notificationsOf(orderId),
      (list) => list.length > 0,
    );
    await sleep(300);
    expect(proxy.failed(event.eventId)).toBe(2);
    expect(await notificationsOf(orderId)).toHaveLength(1);
  });

  it('dead-letters a poison message without retries, and processes it once when replayed after a fix', async () => {
    const orderId = randomUUID();
    const event = orderEvent(orderId, 'OrderRefunded', { amount: 500 });
    const publisher = qstashPublisher(qstash);
    const [receipt] = await publisher.publish({ to: { topic }, body: event });
    const dead = await eventually(
      async () =>
        (await qstash.dlq.listMessages({ filter: { url: `${notificationsUrl}/events/orders` } }))
          .messages,
      (messages) => messages.some((m) => m.messageId === receipt!.messageId),
    );
    const entry = dead.find((m) => m.messageId === receipt!.messageId);
    expect(entry?.responseStatus).toBe(489);
    const letters = await eventually(
      async () =>
        (
          (await (await fetch(`${notificationsUrl}/dead-letters`)).json()) as {
            deadLetters: Array<{ messageId: string; retried: number; status: number }>;
          }
        ).deadLetters,
      (list) => list.some((l) => l.messageId === receipt!.messageId),
    );
    expect(letters.find((l) => l.messageId === receipt!.messageId)).toMatchObject({
      status: 489,
      retried: 0,
    });
    expect(await notificationsOf(orderId)).toEqual([]);

    // The fix: notifications learns OrderRefunded (a template), redeployed on the same URL.
    const notifications = running.find((fn) => fn.name === 'notifications')!;
    await notifications.stop();
    const [fixed] = await startFunctions(
      specs.filter((s) => s.name === 'notifications'),
      {
        runtime,
        ports,
        vars: functionVars({
          NOTIFICATIONS_TEMPLATES: JSON.stringify({
            OrderRefunded: 'Order {orderId} refunded {amount}.',
          }),
        }),
      },
    );
    running = running.map((fn) => (fn.name === 'notifications' ? fixed! : fn));
    await qstash.dlq.retry(entry!.dlqId);
    const list = await eventually(
      () => notificationsOf(orderId),
      (found) => found.length > 0,
    );
    await sleep(300);
    expect(list).toEqual([expect.objectContaining({ eventType: 'OrderRefunded' })]);
    expect(await notificationsOf(orderId)).toHaveLength(1);
    const rest = await qstash.dlq.listMessages({
      filter: { url: `${notificationsUrl}/events/orders` },
    });
    expect(rest.messages.filter((m) => m.messageId === receipt!.messageId)).toEqual([]);
  });
});
