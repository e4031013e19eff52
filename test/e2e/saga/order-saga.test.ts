import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import { requestSigner } from '../../../shared/http/auth.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'orders', 'payments'] as const;

interface Order {
  orderId: string;
  status: string;
  reason?: string;
  traceId?: string;
  history: Array<{ type: string }>;
}

describe.each(runtimes)('the order saga on %s against the devstack', (runtime) => {
  const vars = inject('devstackVars');
  const operatorToken = `e2e-operator-${randomUUID()}`;
  const run = `${runtime}-${randomUUID().slice(0, 8)}`;
  const secret = `e2e-service-secret-${randomUUID()}`;
  const running = new Map<string, RunningFunction>();
  const ports: Record<string, number> = {};
  let functionVars: Record<string, string> = {};
  const received: Array<{ type: string; data: { orderId?: string } }> = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(text) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;
  const specs = (only: readonly string[]) =>
    listFunctions().filter((spec) => only.includes(spec.name));

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    for (const name of names) ports[name] = await freePort();
    functionVars = {
      ...vars,
      SERVICE_AUTH_SECRET: secret,
      EDGEMESH_OPERATOR_TOKEN: operatorToken,
      SERVICE_ORDERS_URL: url('orders'),
      SERVICE_INVENTORY_URL: url('inventory'),
      SERVICE_PAYMENTS_URL: url('payments'),
      ORDERS_EVENTS_DESTINATION: `http://127.0.0.1:${port}/order-events`,
      ORDERS_SAGA_DEADLINE_MS: '10000',
      // Every step dies once before it runs inline, so its row waits for the outbox sweep
      // (`settled` asks for one) and QStash delivers it; that handler then dies before
      // answering, so QStash delivers it again and the copy is acknowledged as stale.
      SAGA_FAULTS: 'before-inline,before-ack',
    };
    const started = await startFunctions(specs(names), { runtime, ports, vars: functionVars });
    for (const fn of started) running.set(fn.name, fn);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...running.values()].map((fn) => fn.stop()));
    await new Promise((resolve) => receiver.close(resolve));
  });

  const json = (method: string, body?: unknown, headers: Record<string, string> = {}) => ({
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const setStock = async (sku: string, available: number) => {
    const response = await fetch(
      `${url('inventory')}/stock/${sku}`,
      json('PUT', { available }, { authorization: `Bearer ${operatorToken}` }),
    );
    expect(response.status).toBe(200);
  };
  const stock = async (sku: string) =>
    (await (await fetch(`${url('inventory')}/stock/${sku}`)).json()) as Record<string, number>;
  const place = async (customerId: string, sku: string, quantity = 1) => {
    const response = await fetch(
      `${url('orders')}/orders`,
      json('POST', { customerId, items: [{ sku, quantity, unitPrice: 1250 }] }),
    );
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  };
  /** The scheduled outbox sweep (a signed QStash delivery), without waiting for its minute. */
  const sweep = async () => {
    const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN! });
    await qstash.publishJSON({ url: `${url('orders')}/outbox/sweep?minAgeMs=0`, body: {} });
  };
  const settled = async (orderId: string, timeoutMs = 30_000): Promise<Order> => {
    const deadline = Date.now() + timeoutMs;
    for (let poll = 0; ; poll += 1) {
      if (poll % 10 === 0) await sweep();
      const response = await fetch(`${url('orders')}/orders/${orderId}`).catch(() => undefined);
      const order = response?.ok ? ((await response.json()) as Order) : undefined;
      if (order && order.status !== 'pending') return order;
      if (Date.now() > deadline) throw new Error(`order ${orderId} still ${order?.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const payment = async (orderId: string) => {
    const response = await fetch(`${url('payments')}/payments/${orderId}`);
    return response.status === 404 ? undefined : ((await response.json()) as { status: string });
  };
  /** The shop's invariants: terminal orders, stock total per sku constant, captures only for confirmed orders. */
  const expectInvariants = async (seeded: Record<string, number>, orders: Order[]) => {
    for (const [sku, total] of Object.entries(seeded)) {
      const { available = -1, reserved = -1, sold = -1 } = await stock(sku);
      expect(available + reserved + sold, sku).toBe(total);
      expect(reserved, `${sku} holds nothing once every order settled`).toBe(0);
    }
    for (const order of orders) {
      expect(['confirmed', 'cancelled']).toContain(order.status);
      const paid = await payment(order.orderId);
      if (order.status === 'confirmed') expect(paid?.status).toBe('captured');
      else expect(paid?.status).not.toBe('captured');
    }
  };

  it('confirms an order and cancels others for out_of_stock and payment_declined', async () => {
    const sku = `kettle-${run}`;
    await setStock(sku, 3);
    const [ok, short, declined] = await Promise.all([
      place(`c-${run}`, sku, 2),
      place(`c2-${run}`, sku, 5),
      place(`decline-${run}`, sku, 1),
    ]);
    const orders = await Promise.all([ok, short, declined].map((id) => settled(id)));
    expect(orders.map((order) => [order.status, order.reason])).toEqual([
      ['confirmed', undefined],
      ['cancelled', 'out_of_stock'],
      ['cancelled', 'payment_declined'],
    ]);
    expect(orders[0]!.traceId).toMatch(/^[\da-f]{32}$/);
    expect(await stock(sku)).toMatchObject({ available: 1, reserved: 0, sold: 2 });
    const timeline = (await (await fetch(`${url('orders')}/orders/${ok}/saga`)).json()) as {
      status: string;
      steps: Array<{ name: string; status: string; attempts: number }>;
    };
    expect(timeline).toMatchObject({
      status: 'completed',
      steps: [
        { name: 'try-inventory', status: 'succeeded', attempts: 1 },
        { name: 'try-payments', status: 'succeeded', attempts: 1 },
        { name: 'confirm', status: 'succeeded', attempts: 1 },
      ],
    });
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !received.some((e) => e.data.orderId === declined && e.type === 'OrderCancelled')
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const published = received
      .filter((event) => event.data.orderId === declined)
      .map((e) => e.type);
    expect(published).toEqual(['OrderPlaced', 'OrderCancelled']);
    await expectInvariants({ [sku]: 3 }, orders);
  });

  it('refuses an unsigned saga message with 401 and changes nothing', async () => {
    const forged = {
      kind: 'deadline',
      saga: 'place-order',
      sagaId: randomUUID(),
    };
    const response = await fetch(`${url('orders')}/saga/steps`, json('POST', forged));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('SIGNATURE');
    expect((await fetch(`${url('orders')}/orders/${forged.sagaId}/saga`)).status).toBe(404);
  });

  it('lets exactly one of five concurrent orders for the last unit win', async () => {
    const sku = `last-${run}`;
    await setStock(sku, 1);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => place(`c${i}-${run}`, sku)));
    const orders = await Promise.all(ids.map((id) => settled(id)));
    expect(orders.filter((order) => order.status === 'confirmed')).toHaveLength(1);
    expect(orders.filter((order) => order.reason === 'out_of_stock')).toHaveLength(4);
    await expectInvariants({ [sku]: 1 }, orders);
  });

  it('releases a reservation nobody confirms when its delayed QStash message arrives', async () => {
    const sku = `held-${run}`;
    await setStock(sku, 2);
    const body = JSON.stringify({
      reservationId: `r-${run}`,
      orderId: `o-${run}`,
      items: [{ sku, quantity: 2 }],
      ttlMs: 1000,
    });
    const signature = await requestSigner(secret, { caller: 'orders' }).sign(
      'POST',
      '/reservations',
      new TextEncoder().encode(body).buffer,
    );
    const unsigned = await fetch(`${url('inventory')}/reservations`, json('POST', body));
    expect(unsigned.status).toBe(401);
    const notOrders = await requestSigner(secret, { caller: 'payments' }).sign(
      'POST',
      '/reservations',
      new TextEncoder().encode(body).buffer,
    );
    const forbidden = await fetch(
      `${url('inventory')}/reservations`,
      json('POST', body, { 'x-edgemesh-signature': notOrders }),
    );
    expect(forbidden.status).toBe(403);
    const response = await fetch(
      `${url('inventory')}/reservations`,
      json('POST', body, { 'x-edgemesh-signature': signature }),
    );
    expect(response.status).toBe(201);
    expect(await stock(sku)).toMatchObject({ available: 0, reserved: 2 });
    const deadline = Date.now() + 15_000;
    let now = await stock(sku);
    while (now.reserved !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await stock(sku);
    }
    expect(now).toMatchObject({ available: 2, reserved: 0, sold: 0 });
  });

  it('ends terminal when the orders function is restarted in the middle of sagas', async () => {
    const sku = `restart-${run}`;
    await setStock(sku, 10);
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => place(`r${i}-${run}`, sku)));
    await running.get('orders')!.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [restarted] = await startFunctions(specs(['orders']), {
      runtime,
      ports,
      vars: functionVars,
    });
    running.set('orders', restarted!);
    // The scheduled sweep publishes what the restart left in the outbox.
    await sweep();
    const orders = await Promise.all(ids.map((id) => settled(id, 40_000)));
    await expectInvariants({ [sku]: 10 }, orders);
  }, 90_000);
});
