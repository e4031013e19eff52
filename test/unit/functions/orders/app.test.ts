import { beforeEach, describe, expect, it } from 'vitest';
import orders from '../../../../functions/orders/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

const at = Date.parse('2026-11-26T12:00:00Z');
const order = {
  customerId: 'c-1',
  items: [
    { sku: 'apple', quantity: 3, unitPrice: 120 },
    { sku: 'pear', quantity: 1, unitPrice: 99 },
  ],
};

let t: TestService;

function post(body: unknown, headers: Record<string, string> = {}) {
  return t.request('/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeEach(() => {
  t = testService(orders, { now: at });
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
    expect(await t.events.readAll()).toEqual([]);
    expect(
      await t.events.readDocument('orders', '00000000-0000-4000-8000-000000000001'),
    ).toBeUndefined();
    expect(t.events.outboxRows()).toEqual([]);
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
    expect(await t.events.readAll()).toHaveLength(1);
  });

  it('writes one OrderPlaced event with the command time, correlation id and trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const inTrace: unknown = expect.stringMatching(
      /^00-0af7651916cd43dd8448eb211c80319c-[\da-f]{16}-0[01]$/,
    );
    const { orderId } = (await (await post(order, { traceparent })).json()) as { orderId: string };
    const written = await t.events.readStream(`order-${orderId}`);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      type: 'OrderPlaced',
      streamType: 'order',
      streamVersion: 1,
      occurredAt: '2026-11-26T12:00:00.000Z',
      data: { orderId, customerId: 'c-1', total: 3 * 120 + 99, currency: 'USD' },
      metadata: { correlationId: orderId, traceparent: inTrace },
    });
  });

  it('publishes the event through the outbox right after commit, in the request’s trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { orderId } = (await (await post(order, { traceparent })).json()) as { orderId: string };
    await t.settle();
    expect(t.publisher.messages).toEqual([
      {
        id: t.events.outboxRows()[0]!.id,
        destination: 'order-events',
        headers: {
          traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-/) as unknown,
        },
        body: expect.objectContaining({
          type: 'OrderPlaced',
          streamId: `order-${orderId}`,
        }) as unknown,
      },
    ]);
    expect(t.events.outboxRows().every((row) => row.publishedAt !== undefined)).toBe(true);
  });
});

describe('GET /orders/:id', () => {
  it('returns the order with its total, items, status, version and history', async () => {
    const { orderId } = (await (await post({ ...order, currency: 'EUR' })).json()) as {
      orderId: string;
    };
    const response = await t.request(`/orders/${orderId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      orderId,
      customerId: 'c-1',
      items: order.items,
      total: 3 * 120 + 99,
      currency: 'EUR',
      status: 'pending',
      traceId: expect.stringMatching(/^[\da-f]{32}$/) as unknown,
      version: 1,
      history: [{ type: 'OrderPlaced', at: '2026-11-26T12:00:00.000Z' }],
    });
  });

  it('answers 404 problem+json for an unknown order', async () => {
    const response = await t.request('/orders/00000000-0000-4000-8000-999999999999');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
});

describe('POST /outbox/sweep', () => {
  it('publishes rows a crash left behind', async () => {
    t.publisher.failNext(1);
    const { orderId } = (await (await post(order)).json()) as { orderId: string };
    await t.settle();
    expect(t.publisher.messages).toEqual([]);
    t.advance(60_000);
    const response = await t.deliver('/outbox/sweep', '');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ claimed: 1, published: 1, failed: 0 });
    expect(t.publisher.messages.map((message) => message.body)).toEqual([
      expect.objectContaining({ streamId: `order-${orderId}` }),
    ]);
  });

  it('refuses a sweep without a valid QStash signature', async () => {
    const unsigned = await t.request('/outbox/sweep', { method: 'POST' });
    expect(unsigned.status).toBe(401);
    const forged = await t.request('/outbox/sweep', {
      method: 'POST',
      headers: { 'upstash-signature': 'forged' },
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('SIGNATURE');
  });

  it('refuses a minAgeMs that is not whole ms up to 10 minutes, and sweeps nothing', async () => {
    for (const minAgeMs of ['-1', '1.5', 'soon', '600001']) {
      const response = await t.deliver(`/outbox/sweep?minAgeMs=${minAgeMs}`, '');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('VALIDATION');
    }
  });

  it('answers 503 when no publisher is configured', async () => {
    t = testService(orders, { noQueue: true });
    const response = await t.deliver('/outbox/sweep', '');
    expect(response.status).toBe(503);
  });
});

describe('GET /health', () => {
  it('reports 503 and the failing dependency when one is down', async () => {
    t = testService(orders, {
      healthChecks: [
        { name: 'postgres', probe: () => Promise.resolve() },
        { name: 'redis', probe: () => Promise.reject(new Error('refused')) },
      ],
    });
    const response = await t.request('/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'degraded',
      service: 'orders',
      checks: { postgres: { status: 'ok' }, redis: { status: 'down' } },
    });
  });
});
