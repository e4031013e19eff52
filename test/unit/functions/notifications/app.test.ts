import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import notifications from '../../../../functions/notifications/service.ts';
import { signQstashMessage } from '../../../../shared/queue/index.ts';
import { testService, testSigningKey, type TestService } from '../../../../shared/service/index.ts';

const build = () => testService(notifications);

function orderPlaced(orderId: string) {
  return {
    eventId: randomUUID(),
    type: 'OrderPlaced',
    streamId: `order-${orderId}`,
    streamVersion: 1,
    occurredAt: '2026-11-26T11:59:59.000Z',
    data: { orderId, customerId: 'c-1', total: 1200, currency: 'EUR', items: [], placedAt: '' },
  };
}

function deliver(
  t: TestService,
  body: unknown,
  { messageId = `msg_${randomUUID()}`, signature }: { messageId?: string; signature?: string } = {},
) {
  const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  return t.deliver('/events/orders', body, {
    messageId,
    headers: signature ? { ...headers, 'upstash-signature': signature } : headers,
  });
}

async function list(t: TestService, orderId: string) {
  const response = await t.request(`/notifications?orderId=${orderId}`);
  return ((await response.json()) as { notifications: Array<Record<string, unknown>> })
    .notifications;
}

describe('notifications app', () => {
  it('records one notification per order event, with the publisher’s trace id', async () => {
    const app = build();
    const orderId = randomUUID();
    const event = orderPlaced(orderId);
    expect((await deliver(app, event)).status).toBe(200);
    expect(await list(app, orderId)).toEqual([
      expect.objectContaining({
        orderId,
        eventId: event.eventId,
        eventType: 'OrderPlaced',
        message: `Order ${orderId} placed: 1200 EUR (minor units).`,
        traceId: '0af7651916cd43dd8448eb211c80319c',
      }),
    ]);
  });

  it('stays at one notification when the same message is delivered twice', async () => {
    const app = build();
    const orderId = randomUUID();
    const event = orderPlaced(orderId);
    const messageId = `msg_${randomUUID()}`;
    await deliver(app, event, { messageId });
    const again = await deliver(app, event, { messageId });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(await list(app, orderId)).toHaveLength(1);
  });

  it('answers 401 to a tampered signature and records nothing', async () => {
    const app = build();
    const orderId = randomUUID();
    const signature = await signQstashMessage({
      key: testSigningKey,
      url: 'http://notifications.test/events/orders',
      body: '{}',
    });
    const response = await deliver(app, orderPlaced(orderId), { signature });
    expect(response.status).toBe(401);
    expect(await list(app, orderId)).toEqual([]);
  });

  it('answers 489 non-retryable to an event type it has no notification for', async () => {
    const app = build();
    const response = await deliver(app, { ...orderPlaced(randomUUID()), type: 'OrderShipped' });
    expect(response.status).toBe(489);
    expect(response.headers.get('upstash-nonretryable-error')).toBe('true');
  });

  it('lists nothing for an order it never heard of, and 400 without orderId', async () => {
    const app = build();
    expect(await list(app, randomUUID())).toEqual([]);
    const response = await app.request('/notifications');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('VALIDATION');
  });
});

describe('notifications dead letters', () => {
  it('records a poison message it will never process, once, and lists it in /dead-letters', async () => {
    const t = build();
    const poison = { ...orderPlaced(randomUUID()), type: 'OrderShipped' };
    const messageId = `msg_${randomUUID()}`;
    expect((await deliver(t, poison, { messageId })).status).toBe(489);
    expect((await deliver(t, poison, { messageId })).status).toBe(489);
    const response = await t.request('/dead-letters');
    const { deadLetters } = (await response.json()) as {
      deadLetters: Array<{ messageId: string; status: number; messageBody: string }>;
    };
    expect(deadLetters).toEqual([
      expect.objectContaining({ messageId, status: 489, messageBody: JSON.stringify(poison) }),
    ]);
  });
});
