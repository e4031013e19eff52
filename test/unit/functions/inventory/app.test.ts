import { beforeEach, describe, expect, it } from 'vitest';
import { createInventoryApp } from '../../../../functions/inventory/app.ts';
import { inventoryEventSchemas } from '../../../../functions/inventory/schema.ts';
import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { memoryPublisher } from '../../../../shared/event-store/publisher.ts';
import { createOutboxRelay } from '../../../../shared/event-store/outbox-relay.ts';
import { createTelemetry } from '../../../../shared/telemetry/telemetry.ts';

let clock = Date.parse('2026-11-26T12:00:00Z');
let app: ReturnType<typeof createInventoryApp>;
let publisher: ReturnType<typeof memoryPublisher>;
let pending: Promise<unknown>[];

const send = (method: string, path: string, body?: unknown) =>
  Promise.resolve(
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
const reserve = (reservationId: string, items: Array<{ sku: string; quantity: number }>) =>
  send('POST', '/reservations', { reservationId, orderId: `o-${reservationId}`, items });
const stock = async (sku: string) =>
  (await (await send('GET', `/stock/${sku}`)).json()) as Record<string, number>;

beforeEach(() => {
  clock = Date.parse('2026-11-26T12:00:00Z');
  pending = [];
  const events = memoryEventStore({ schemas: inventoryEventSchemas, now: () => clock });
  publisher = memoryPublisher();
  app = createInventoryApp({
    service: 'inventory',
    events,
    relay: createOutboxRelay({ store: events, publisher: publisher.publish }),
    selfUrl: 'https://inventory.test',
    reservationTtlMs: 30_000,
    healthChecks: [],
    now: () => clock,
    waitUntil: (promise) => void pending.push(promise),
    telemetry: createTelemetry({ service: 'inventory' }),
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

  it('commits the deadline as a delayed QStash message to its own expiry route', async () => {
    await send('PUT', '/stock/kettle', { available: 5 });
    await reserve('r-1', [{ sku: 'kettle', quantity: 1 }]);
    await Promise.all(pending);
    expect(publisher.messages).toEqual([
      expect.objectContaining({
        destination: 'https://inventory.test/reservations/r-1/expire',
        headers: { 'Upstash-Delay': '30s' },
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
    expect((await send('POST', '/reservations/r-1/expire')).status).toBe(200);
    clock += 30_001;
    const late = await send('POST', '/reservations/r-2/confirm');
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('RESERVATION_EXPIRED');
    expect(await stock('kettle')).toMatchObject({ available: 5, reserved: 0, sold: 0 });
  });

  it('refuses an unsigned expiry when QStash keys are configured', async () => {
    const signed = createInventoryApp({
      service: 'inventory',
      events: memoryEventStore({ schemas: inventoryEventSchemas }),
      reservationTtlMs: 30_000,
      verifyMessage: () => Promise.resolve(false),
      healthChecks: [],
      now: () => clock,
      waitUntil: () => {},
      telemetry: createTelemetry({ service: 'inventory' }),
    });
    const response = await signed.request('/reservations/r-1/expire', { method: 'POST' });
    expect(response.status).toBe(401);
  });
});
