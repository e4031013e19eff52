import { beforeEach, describe, expect, it } from 'vitest';
import { createOrdersApp } from '../../../../functions/orders/app.ts';
import type { OrdersDeps } from '../../../../functions/orders/deps.ts';
import { memoryOrderStore } from '../../../../functions/orders/store.ts';

const at = Date.parse('2026-11-26T12:00:00Z');
const order = {
  customerId: 'c-1',
  items: [
    { sku: 'apple', quantity: 3, unitPrice: 120 },
    { sku: 'pear', quantity: 1, unitPrice: 99 },
  ],
};

let counter = 0;
let app: ReturnType<typeof createOrdersApp>;
let deps: OrdersDeps;

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.request('/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeEach(() => {
  counter = 0;
  deps = {
    service: 'orders',
    store: memoryOrderStore(),
    healthChecks: [],
    now: () => at,
    newId: () => `00000000-0000-4000-8000-00000000000${++counter}`,
  };
  app = createOrdersApp(deps);
});

describe('POST /orders', () => {
  it('accepts an order with 202, a Location, and a pending status', async () => {
    const response = await post(order);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { orderId: string; status: string };
    expect(body).toEqual({ orderId: '00000000-0000-4000-8000-000000000001', status: 'pending' });
    expect(response.headers.get('location')).toBe(`/orders/${body.orderId}`);
  });

  it('names each bad field in a 400 problem and stores nothing', async () => {
    const response = await post({
      customerId: '',
      items: [{ sku: 'a', quantity: 0, unitPrice: -1 }],
      currency: 'usd',
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('VALIDATION');
    expect(problem.errors.map((issue) => issue.path).sort()).toEqual([
      'currency',
      'customerId',
      'items.0.quantity',
      'items.0.unitPrice',
    ]);
    expect(await deps.store.get('00000000-0000-4000-8000-000000000001')).toBeUndefined();
  });

  it('rejects an order without items', async () => {
    const response = await post({ customerId: 'c-1', items: [] });
    expect(response.status).toBe(400);
  });

  it('rejects a body that is not JSON with a problem, not a 500', async () => {
    const response = await post('customerId=c-1');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('returns the same order for the same Idempotency-Key and body', async () => {
    const first = (await (await post(order, { 'idempotency-key': 'k1' })).json()) as {
      orderId: string;
    };
    const again = await post(order, { 'idempotency-key': 'k1' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { orderId: string }).orderId).toBe(first.orderId);
  });

  it('answers 409 when an Idempotency-Key is reused with another body', async () => {
    await post(order, { 'idempotency-key': 'k1' });
    const response = await post({ ...order, customerId: 'c-2' }, { 'idempotency-key': 'k1' });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe('IDEMPOTENCY_MISMATCH');
  });
});

describe('GET /orders/:id', () => {
  it('returns the order with its total, items, status, version and history', async () => {
    const { orderId } = (await (await post({ ...order, currency: 'EUR' })).json()) as {
      orderId: string;
    };
    const response = await app.request(`/orders/${orderId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      orderId,
      customerId: 'c-1',
      items: order.items,
      total: 3 * 120 + 99,
      currency: 'EUR',
      status: 'pending',
      version: 1,
      history: [{ type: 'OrderPlaced', at: '2026-11-26T12:00:00.000Z' }],
    });
  });

  it('answers 404 problem+json for an unknown order', async () => {
    const response = await app.request('/orders/00000000-0000-4000-8000-999999999999');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
});

describe('GET /health', () => {
  it('reports 503 and the failing dependency when one is down', async () => {
    app = createOrdersApp({
      ...deps,
      healthChecks: [
        { name: 'postgres', probe: () => Promise.resolve() },
        { name: 'redis', probe: () => Promise.reject(new Error('refused')) },
      ],
    });
    const response = await app.request('/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'degraded',
      service: 'orders',
      checks: { postgres: { status: 'ok' }, redis: { status: 'down' } },
    });
  });
});
