import { describe, expect, it } from 'vitest';
import { decide, render } from '../../../../functions/notifications/domain.ts';
import { defaultTemplates, orderEventMessage } from '../../../../functions/notifications/schema.ts';

const at = new Date('2026-11-26T12:00:00.000Z');
const placed = {
  eventId: 'e-1',
  type: 'OrderPlaced',
  streamId: 'order-o-1',
  streamVersion: 1,
  occurredAt: at.toISOString(),
  data: { orderId: 'o-1', customerId: 'c-1', total: 6548, currency: 'USD', items: [] },
};

describe('notifications domain', () => {
  it('given an order placed, when recorded, then one notification names the order and total', () => {
    const events = decide(
      { type: 'RecordNotification', event: placed, notificationId: 'n-1', traceId: 't', at },
      defaultTemplates,
    );
    expect(events).toEqual([
      {
        type: 'NotificationRecorded',
        data: {
          notificationId: 'n-1',
          orderId: 'o-1',
          eventId: 'e-1',
          eventType: 'OrderPlaced',
          channel: 'log',
          message: 'Order o-1 placed: 6548 USD (minor units).',
          traceId: 't',
          recordedAt: at.toISOString(),
        },
      },
    ]);
  });

  it('renders template fields from the event data', () => {
    expect(render('{orderId} refunded {amount}', { orderId: 'o', amount: 5 })).toBe('o refunded 5');
  });

  it('accepts only event types that have a template', () => {
    const schema = orderEventMessage(defaultTemplates);
    expect(schema.safeParse(placed).success).toBe(true);
    const refunded = { ...placed, type: 'OrderRefunded', data: { orderId: 'o-1', amount: 5 } };
    expect(schema.safeParse(refunded).success).toBe(false);
    const fixed = orderEventMessage({ ...defaultTemplates, OrderRefunded: '{orderId} {amount}' });
    expect(fixed.safeParse(refunded).success).toBe(true);
    expect(fixed.safeParse({ ...refunded, data: { orderId: 'o-1' } }).success).toBe(false);
  });

  it('rejects an order placed without the fields its notification needs', () => {
    const schema = orderEventMessage(defaultTemplates);
    const result = schema.safeParse({ ...placed, data: { orderId: 'o-1', total: -1 } });
    expect(result.success).toBe(false);
  });
});
