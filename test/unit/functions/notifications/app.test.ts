import { randomUUID } from 'node:crypto';
import { Receiver } from '@upstash/qstash';
import { describe, expect, it } from 'vitest';
import { signDelivery } from '../../../../devstack/qstash/signing.ts';
import { createNotificationsApp } from '../../../../functions/notifications/app.ts';
import type { NotificationsDeps } from '../../../../functions/notifications/deps.ts';
import {
  defaultTemplates,
  notificationEventSchemas,
} from '../../../../functions/notifications/schema.ts';
import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { deadLetterEventSchemas } from '../../../../shared/queue/dead-letters.ts';
import { qstashVerifier } from '../../../../shared/queue/signature.ts';

const key = 'sig_notifications_unit';
const base = 'http://notifications.test';

function build() {
  const events = memoryEventStore({
    schemas: { ...notificationEventSchemas, ...deadLetterEventSchemas },
  });
  const deps: NotificationsDeps = {
    service: 'notifications',
    events,
    verify: qstashVerifier(new Receiver({ currentSigningKey: key, nextSigningKey: key })),
    templates: defaultTemplates,
    healthChecks: [],
    now: () => Date.parse('2026-11-26T12:00:00.000Z'),
    newId: () => randomUUID(),
  };
  return createNotificationsApp(deps);
}

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
  app: ReturnType<typeof build>,
  body: unknown,
  { messageId = `msg_${randomUUID()}`, signature }: { messageId?: string; signature?: string } = {},
) {
  const text = JSON.stringify(body);
  return app.request(`${base}/events/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'upstash-message-id': messageId,
      'upstash-signature':
        signature ?? signDelivery(key, `${base}/events/orders`, Buffer.from(text), Date.now()),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    body: text,
  });
}

async function list(app: ReturnType<typeof build>, orderId: string) {
  const response = await app.request(`${base}/notifications?orderId=${orderId}`);
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
    const signature = signDelivery(key, `${base}/events/orders`, Buffer.from('{}'), Date.now());
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
    const response = await app.request(`${base}/notifications`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('VALIDATION');
  });
});
