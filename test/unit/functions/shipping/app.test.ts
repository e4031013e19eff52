import { beforeEach, describe, expect, it } from 'vitest';
import service from '../../../../functions/shipping/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;

beforeEach(() => {
  t = testService(service);
});

const confirmed = (orderId: string, eventId = `e-${orderId}`) => ({
  eventId,
  type: 'OrderConfirmed',
  streamId: `order-${orderId}`,
  data: { orderId, customerId: 'c-1', items: [{ sku: 'kettle', quantity: 2, unitPrice: 2599 }] },
});

const shipmentsOf = async (orderId: string) =>
  (
    (await (await t.request(`/shipments?orderId=${orderId}`)).json()) as {
      shipments: Array<{ shipmentId: string; status: string; items: unknown[] }>;
    }
  ).shipments;

describe('shipping', () => {
  it('creates one shipment per confirmed order, however often the event is delivered', async () => {
    for (const messageId of ['m-1', 'm-1', 'm-2']) {
      expect(
        (await t.deliver('/events/order-events', confirmed('o-1'), { messageId })).status,
      ).toBe(200);
    }
    expect(await shipmentsOf('o-1')).toEqual([
      expect.objectContaining({
        shipmentId: 'shipment-o-1',
        status: 'pending',
        items: [{ sku: 'kettle', quantity: 2 }],
      }),
    ]);
    expect(await t.events.readStream('shipment-o-1')).toHaveLength(1);
  });

  it('ignores other order events and lists nothing for them', async () => {
    const placed = { ...confirmed('o-2'), type: 'OrderPlaced' };
    expect((await t.deliver('/events/order-events', placed)).status).toBe(200);
    expect(await shipmentsOf('o-2')).toEqual([]);
  });

  it('dispatches a shipment once; an unknown one is a 404 problem', async () => {
    await t.deliver('/events/order-events', confirmed('o-3'));
    const first = await t.send('POST', '/shipments/shipment-o-3/dispatch');
    expect(await first.json()).toMatchObject({ status: 'dispatched' });
    await t.send('POST', '/shipments/shipment-o-3/dispatch');
    expect(await t.events.readStream('shipment-o-3')).toHaveLength(2);
    const unknown = await t.send('POST', '/shipments/none/dispatch');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
  });

  it('dead-letters an OrderConfirmed without items and refuses an unsigned delivery', async () => {
    const broken = { ...confirmed('o-4'), data: { orderId: 'o-4' } };
    expect((await t.deliver('/events/order-events', broken)).status).toBe(489);
    const unsigned = await t.request('/events/order-events', {
      method: 'POST',
      body: JSON.stringify(confirmed('o-5')),
    });
    expect(unsigned.status).toBe(401);
    expect(await shipmentsOf('o-5')).toEqual([]);
  });
});
