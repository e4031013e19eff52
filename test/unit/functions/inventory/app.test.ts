import { beforeEach, describe, expect, it } from 'vitest';
import inventory from '../../../../functions/inventory/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;

const send = (method: string, path: string, body?: unknown) => t.send(method, path, body);
const reserve = (reservationId: string, items: Array<{ sku: string; quantity: number }>) =>
  send('POST', '/reservations', { reservationId, orderId: `o-${reservationId}`, items });
const stock = async (sku: string) =>
  (await (await send('GET', `/stock/${sku}`)).json()) as Record<string, number>;

beforeEach(() => {
  t = testService(inventory, {
    env: { INVENTORY_RESERVATION_TTL_MS: '30000' },
    selfUrl: 'https://inventory.test',
  });
});

describe('inventory', () => {
  it('sets and reads stock per sku; an unknown sku is 404', async () => {
    expect((await send('PUT', '/stock/kettle', { available: 7 })).status).toBe(200);
    expect(await stock('kettle')).toEqual({ sku: 'kettle', available: 7, reserved: 0, sold: 0 });
    expect((await send('GET', '/stock/none')).status).toBe(404);
    expect((await send('PUT', '/stock/kettle', { available: -1 })).status).toBe(400);
  });

  it('reserves, then confirms: reserved becomes sold, the total stays', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    expect((await reserve('r-1', [{ sku: 'kettle', quantity: 2 }])).status).toBe(201);
    expect(await stock('kettle')).toMatchObject({ available: 3, reserved: 2, sold: 0 });
    expect((await send('POST', '/reservations/r-1/confirm')).status).toBe(200);
    expect((await send('POST', '/reservations/r-1/confirm')).status).toBe(200);
    expect(await stock('kettle')).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect((await send('POST', '/reservations/r-1/cancel')).status).toBe(409);
  });

  it('commits the deadline as a delayed QStash message to its own expiry route, in the trace', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await t.send(
      'POST',
      '/reservations',
      { reservationId: 'r-1', orderId: 'o-1', items: [{ sku: 'kettle', quantity: 1 }] },
      { traceparent },
    );
    await t.settle();
    expect(t.published).toEqual([
      expect.objectContaining({
        destination: 'https://inventory.test/reservations/r-1/expire',
        headers: {
          'Upstash-Delay': '30s',
          traceparent: expect.stringMatching(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/) as unknown,
        },
      }),
    ]);
  });

  it('refuses with 409 OUT_OF_STOCK and holds nothing when any sku is short', async () => {
    await send('PUT', '/stock/a', { available: 5 });
    await send('PUT', '/stock/b', { available: 1 });
    const response = await reserve('r-1', [
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 2 },
    ]);
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe('OUT_OF_STOCK');
    expect(await stock('a')).toMatchObject({ available: 5, reserved: 0 });
    expect((await reserve('r-1', [{ sku: 'a', quantity: 2 }])).status).toBe(409);
  });

  it('never goes negative under concurrent reservations', async () => {
    await send('PUT', '/stock/last', { available: 3 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        reserve(`r-${index}`, [{ sku: 'last', quantity: 1 }]),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    expect(await stock('last')).toMatchObject({ available: 0, reserved: 3 });
  });

  it('records a cancel that arrives before its try, so the late try reserves nothing', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    expect((await send('POST', '/reservations/r-9/cancel')).status).toBe(200);
    const late = await reserve('r-9', [{ sku: 'kettle', quantity: 1 }]);
    expect(late.status).toBe(409);
    expect(await stock('kettle')).toMatchObject({ available: 5, reserved: 0 });
  });

  it('answers a repeated try and a repeated cancel with the same result', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    expect((await reserve('r-1', [{ sku: 'kettle', quantity: 2 }])).status).toBe(201);
    expect((await reserve('r-1', [{ sku: 'kettle', quantity: 2 }])).status).toBe(201);
    expect(await stock('kettle')).toMatchObject({ available: 3, reserved: 2 });
    expect((await send('POST', '/reservations/r-1/cancel')).status).toBe(200);
    expect((await send('POST', '/reservations/r-1/cancel')).status).toBe(200);
    expect(await stock('kettle')).toMatchObject({ available: 5, reserved: 0 });
  });

  it('expires a held reservation; a confirm after the deadline is 409 RESERVATION_EXPIRED', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    await reserve('r-1', [{ sku: 'kettle', quantity: 2 }]);
    await reserve('r-2', [{ sku: 'kettle', quantity: 1 }]);
    expect((await t.deliver('/reservations/r-1/expire', { reservationId: 'r-1' })).status).toBe(
      200,
    );
    t.advance(30_001);
    const late = await send('POST', '/reservations/r-2/confirm');
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('RESERVATION_EXPIRED');
    expect(await stock('kettle')).toMatchObject({ available: 5, reserved: 0, sold: 0 });
  });

  it('refuses an unsigned expiry', async () => {
    const response = await t.request('/reservations/r-1/expire', { method: 'POST' });
    expect(response.status).toBe(401);
  });
});
