import { randomUUID } from 'node:crypto';
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

  beforeAll(async () => {
    const specs = listFunctions().filter((spec) => spec.name === 'orders');
    [orders] = (await startFunctions(specs, {
      runtime,
      ports: { orders: await freePort() },
      vars,
    })) as [RunningFunction];
    client = ordersClient(orders.url);
  });

  afterAll(async () => {
    await orders?.stop();
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
    });
    const rows = await sql.query('select total from orders where order_id = $1', [orderId]);
    expect(rows).toEqual([{ total: String(2 * 2599 + 3 * 450) }]);
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
    const rows = await sql.query('select count(*)::int as n from orders where customer_id = $1', [
      badCustomer,
    ]);
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
      `select count(*)::int as n from orders o join idempotency_keys k
       on k.resource_id = o.order_id where k.scope = 'orders' and k.key = $1`,
      [key],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });
});
