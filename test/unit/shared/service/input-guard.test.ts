// Hostile input never reaches a handler or the store: 413 or 400 problem+json, nothing written.
import { describe, expect, it } from 'vitest';
import notifications from '../../../../functions/notifications/service.ts';
import orders from '../../../../functions/orders/service.ts';
import { testService } from '../../../../shared/service/index.ts';

const good = { customerId: 'c-1', items: [{ sku: 'kettle', quantity: 1, unitPrice: 500 }] };

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = { next: value };
  return value;
}

describe('input guards', () => {
  it.each([
    ['a NUL in a field', { ...good, customerId: 'c\u00001' }],
    ['a NUL in a key', { ...good, ['cust\u0000omerId']: 'c-1' }],
    ['a control character', { ...good, customerId: 'c\u00071' }],
    ['a lone surrogate', { ...good, customerId: 'c\ud8001' }],
    ['nesting deeper than 16', { ...good, extra: nested(20) }],
    ['an array of 1,001 items', { ...good, extra: Array.from({ length: 1_001 }, () => 1) }],
    ['a string of 10,001 characters', { ...good, extra: 'x'.repeat(10_001) }],
  ])('refuses %s with 400 problem+json and writes nothing', async (_what, body) => {
    const t = testService(orders);
    const response = await t.send('POST', '/orders', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'VALIDATION' });
    expect(await t.events.readAll()).toEqual([]);
  });

  it('refuses a body over 64 KiB with 413 and writes nothing', async () => {
    const t = testService(orders);
    const response = await t.request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...good, extra: 'x'.repeat(70_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await t.events.readAll()).toEqual([]);
  });

  it.each([
    ['/orders/%00', 'a NUL'],
    ['/orders/%ZZ', 'a broken percent-encoding'],
    ['/orders/%ED%A0%80', 'an encoded lone surrogate'],
    ['/orders/a%20b', 'a space (outside the id alphabet)'],
    ['/orders/' + 'x'.repeat(3_000), 'a path over 2,048 characters'],
  ])('answers %s (%s) with 400, never 500', async (path) => {
    const t = testService(orders);
    const response = await t.request(path);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a NUL in a query value', async () => {
    const t = testService(notifications);
    const response = await t.request('/notifications?orderId=o%001');
    expect(response.status).toBe(400);
  });

  it('dead-letters a queue message holding a NUL (489, never retried) and records nothing', async () => {
    const t = testService(notifications);
    const message = {
      eventId: 'e-1',
      type: 'OrderPlaced',
      streamId: 'order-o-1',
      streamVersion: 1,
      occurredAt: '2026-11-26T12:00:00.000Z',
      data: { orderId: 'o-1', customerId: 'c\u00001', total: 1, currency: 'USD' },
    };
    const response = await t.deliver('/events/orders', message);
    expect(response.status).toBe(489);
    expect(response.headers.get('upstash-nonretryable-error')).toBe('true');
    expect(await t.events.readStream('notifications-order-o-1')).toEqual([]);
  });
});
