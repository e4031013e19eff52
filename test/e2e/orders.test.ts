import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../devstack/functions/start.ts';
import { freePort } from '../../devstack/listen.ts';
import { createSql } from '../../shared/postgres/neon.ts';
import { ordersClient } from '../support/orders-client.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];

describe.each(runtimes)('orders on %s against the devstack', (runtime) => {
  const vars = inject('devstackVars');
  const sql = createSql({
    DATABASE_URL: vars.DATABASE_URL!,
    NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
    NEON_WS_PROXY: vars.NEON_WS_PROXY,
  });
  let orders: RunningFunction;
  let client: ReturnType<typeof ordersClient>;
  const customerId = `e2e-${runtime}-${randomUUID()}`;
  const order = {
    customerId,
    items: [
      { sku: 'kettle', quantity: 2, unitPrice: 2599 },
      { sku: 'filter', quantity: 3, unitPrice: 450 },
    ],
  };

  // Order events go through the outbox and the devstack's QStash to this receiver.
  const delivered: Array<{ headers: IncomingHttpHeaders; body: { streamId?: string } }> = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      delivered.push({ headers: req.headers, body: JSON.parse(text) as { streamId?: string } });
      res.writeHead(200).end();
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    const specs = listFunctions().filter((spec) => spec.name === 'orders');
    [orders] = (await startFunctions(specs, {
      runtime,
      ports: { orders: await freePort() },
      vars: { ...vars, ORDERS_EVENTS_DESTINATION: `http://127.0.0.1:${port}/order-events` },
    })) as [RunningFunction];
    client = ordersClient(orders.url);
  });

  afterAll(async () => {
    await orders?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('reports Postgres and Redis healthy', async () => {
    const response = await client.health();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      service: 'orders',
      checks: { postgres: { status: 'ok' }, redis: { status: 'ok' } },
    });
  });

  it('places an order, stores it in Postgres and reads it back', async () => {
    const placed = await client.place(order);
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    expect(placed.headers.get('location')).toBe(`/orders/${orderId}`);

    const response = await client.get(orderId);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      orderId,
      customerId,
      items: order.items,
      total: 2 * 2599 + 3 * 450,
      currency: 'USD',
      status: 'pending',
      version: 1,
      history: [{ type: 'OrderPlaced' }],
    });
    const rows = await sql.query(
      `select (doc->>'total')::bigint as total, version from es_documents
       where projection = 'orders' and id = $1`,
      [orderId],
    );
    expect(rows).toEqual([{ total: String(2 * 2599 + 3 * 450), version: '1' }]);
    const events = await sql.query(
      'select type, stream_version from es_events where stream_id = $1',
      [`order-${orderId}`],
    );
    expect(events).toEqual([{ type: 'OrderPlaced', stream_version: '1' }]);
  });

  it('relays the OrderPlaced event through QStash after commit, in the caller’s trace', async () => {
    const traceparent = `00-${randomUUID().replaceAll('-', '')}-b7ad6b7169203331-01`;
    const placed = await client.place(order, { traceparent });
    const { orderId } = (await placed.json()) as { orderId: string };
    const deadline = Date.now() + 15_000;
    let message: (typeof delivered)[number] | undefined;
    while (!message && Date.now() < deadline) {
      message = delivered.find((m) => m.body.streamId === `order-${orderId}`);
      if (!message) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(message?.body).toMatchObject({ type: 'OrderPlaced', data: { orderId } });
    // Same trace; the parent is now orders' own server span (orders is instrumented).
    const [, traceId] = traceparent.split('-');
    expect(message?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[\\da-f]{16}-01$`));
    expect(message?.headers.traceparent).not.toBe(traceparent);
    // QStash may deliver before the relay has marked the row, so wait for the mark too.
    let rows: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      rows = await sql.query(
        `select published_at is not null as published from es_outbox
         where body->>'streamId' = $1`,
        [`order-${orderId}`],
      );
      if (rows[0]?.published === true) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rows).toEqual([{ published: true }]);
  });

  it('rejects an invalid order with a 400 naming each field and writes nothing', async () => {
    const badCustomer = `${customerId}-bad`;
    const response = await client.place({
      customerId: badCustomer,
      items: [{ sku: '', quantity: 1.5, unitPrice: 1 }],
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('VALIDATION');
    expect(problem.errors.map((issue) => issue.path).sort()).toEqual([
      'items.0.quantity',
      'items.0.sku',
    ]);
    const rows = await sql.query(
      `select (select count(*)::int from es_documents where doc->>'customerId' = $1)
            + (select count(*)::int from es_events where data->>'customerId' = $1) as n`,
      [badCustomer],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('answers 404 problem+json for an unknown order', async () => {
    const response = await client.get(randomUUID());
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('returns one order for concurrent retries with the same Idempotency-Key', async () => {
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => client.place(order, { 'idempotency-key': key })),
    );
    const ids = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { orderId: string }).orderId),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(ids).size).toBe(1);
    const mismatch = await client.place({ ...order, currency: 'EUR' }, { 'idempotency-key': key });
    expect(mismatch.status).toBe(409);
    const rows = await sql.query(
      `select count(*)::int as n from es_documents d join es_idempotency k
       on k.stream_id = 'order-' || d.id
       where d.projection = 'orders' and k.scope = 'orders' and k.key = $1`,
      [key],
    );
    expect(rows).toEqual([{ n: 1 }]);
    const events = await sql.query(
      `select count(*)::int as n from es_events e join es_idempotency k on k.stream_id = e.stream_id
       where k.scope = 'orders' and k.key = $1`,
      [key],
    );
    expect(events).toEqual([{ n: 1 }]);
  });

  it(
    runtime === 'workerd'
      ? 'commits each of many concurrent orders in a transaction of its own (no group commit on workerd)'
      : 'commits concurrent orders together, several to a transaction (group commit)',
    async () => {
      const placed = await Promise.all(Array.from({ length: 12 }, () => client.place(order)));
      expect(placed.map((response) => response.status)).toEqual(Array(12).fill(202));
      const streams = await Promise.all(
        placed.map(async (r) => `order-${((await r.json()) as { orderId: string }).orderId}`),
      );
      const [{ transactions }] = (await sql.query(
        `select count(distinct transaction_id)::int as transactions from es_events
         where stream_id = any($1::text[])`,
        [streams],
      )) as [{ transactions: number }];
      if (runtime === 'workerd') expect(transactions).toBe(12);
      else expect(transactions).toBeLessThan(12);
    },
  );
});
