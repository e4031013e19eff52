import { describe, expect, it } from 'vitest';
import type { SagaFaultPoint } from '../../../../shared/saga/orchestrator.ts';
import { createShop, type Shop } from './shop.ts';

const item = (sku: string, quantity = 1, unitPrice = 500) => ({ sku, quantity, unitPrice });

/** The shop's invariants: terminal orders, constant stock per sku, captures only for confirmed orders. */
async function expectInvariants(shop: Shop, seeded: Record<string, number>, orderIds: string[]) {
  for (const [sku, total] of Object.entries(seeded)) {
    const stock = await shop.stock(sku);
    expect(stock.available + stock.reserved + stock.sold, `stock of ${sku}`).toBe(total);
    expect(stock.available).toBeGreaterThanOrEqual(0);
    expect(stock.reserved, `nothing stays reserved for ${sku}`).toBe(0);
  }
  for (const orderId of orderIds) {
    const order = await shop.order(orderId);
    expect(['confirmed', 'cancelled']).toContain(order.status);
    const payment = await shop.payment(orderId);
    if (order.status === 'confirmed') expect(payment?.status).toBe('captured');
    else expect(payment?.status).not.toBe('captured');
  }
}

describe('the place-order saga across orders, inventory and payments', () => {
  it('confirms an order: stock sold, payment captured, order event published', async () => {
    const shop = createShop();
    await shop.setStock('kettle', 5);
    const { response, orderId } = await shop.place({
      customerId: 'c-1',
      items: [item('kettle', 2)],
    });
    expect(response.status).toBe(202);
    await shop.run();
    expect(await shop.order(orderId)).toMatchObject({
      status: 'confirmed',
      history: [{ type: 'OrderPlaced' }, { type: 'OrderConfirmed' }],
    });
    expect(await shop.stock('kettle')).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await shop.timeline(orderId)).toMatchObject({
      status: 'completed',
      steps: [
        { name: 'try-inventory', status: 'succeeded' },
        { name: 'try-payments', status: 'succeeded' },
        { name: 'confirm', status: 'succeeded' },
      ],
    });
    const published = shop.qstash.log
      .filter((entry) => entry.destination === 'order-events')
      .map((entry) => (entry.body as { type: string }).type);
    expect(published).toEqual(['OrderPlaced', 'OrderConfirmed']);
    await expectInvariants(shop, { kettle: 5 }, [orderId]);
  });

  it('cancels an order with reason out_of_stock and reserves nothing', async () => {
    const shop = createShop();
    await shop.setStock('kettle', 1);
    await shop.setStock('filter', 10);
    const { orderId } = await shop.place({
      customerId: 'c-1',
      items: [item('filter', 3), item('kettle', 2)],
    });
    await shop.run();
    expect(await shop.order(orderId)).toMatchObject({
      status: 'cancelled',
      reason: 'out_of_stock',
    });
    expect(await shop.payment(orderId)).toBeUndefined();
    await expectInvariants(shop, { kettle: 1, filter: 10 }, [orderId]);
  });

  it('cancels an order with reason payment_declined and releases its stock', async () => {
    const shop = createShop();
    await shop.setStock('kettle', 3);
    const { orderId } = await shop.place({ customerId: 'decline-c-2', items: [item('kettle', 2)] });
    await shop.run();
    expect(await shop.order(orderId)).toMatchObject({
      status: 'cancelled',
      reason: 'payment_declined',
    });
    expect(await shop.stock('kettle')).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    expect(await shop.timeline(orderId)).toMatchObject({
      status: 'aborted',
      steps: [{ status: 'compensated' }, { status: 'compensated' }, { status: 'pending' }],
    });
    await expectInvariants(shop, { kettle: 3 }, [orderId]);
  });

  const points: SagaFaultPoint[] = [
    'before-action',
    'after-action',
    'after-commit',
    'before-ack',
    'before-inline',
  ];
  it.each(points)(
    'resumes after a crash at %s of every message and ends terminal',
    async (point) => {
      const shop = createShop({ faults: [point] });
      await shop.setStock('kettle', 4);
      const ok = await shop.place({ customerId: 'c-1', items: [item('kettle', 2)] });
      const declined = await shop.place({ customerId: 'decline-c', items: [item('kettle', 1)] });
      await shop.run();
      expect((await shop.order(ok.orderId)).status).toBe('confirmed');
      expect(await shop.order(declined.orderId)).toMatchObject({
        status: 'cancelled',
        reason: 'payment_declined',
      });
      await expectInvariants(shop, { kettle: 4 }, [ok.orderId, declined.orderId]);
    },
  );

  it('reaches the same outcomes when every QStash message is delivered twice', async () => {
    const shop = createShop();
    await shop.setStock('kettle', 3);
    const ok = await shop.place({ customerId: 'c-1', items: [item('kettle', 2)] });
    const short = await shop.place({ customerId: 'c-2', items: [item('kettle', 2)] });
    const declined = await shop.place({ customerId: 'decline-c', items: [item('kettle', 1)] });
    await shop.run({ times: 2 });
    expect((await shop.order(ok.orderId)).status).toBe('confirmed');
    expect(await shop.order(short.orderId)).toMatchObject({ reason: 'out_of_stock' });
    expect(await shop.order(declined.orderId)).toMatchObject({ reason: 'payment_declined' });
    const events = await shop.stores.orders.readStream(`order-${ok.orderId}`);
    expect(events.map((event) => event.type)).toEqual([
      'OrderPlaced',
      'SagaStarted',
      'StepSucceeded',
      'StepSucceeded',
      'StepSucceeded',
      'SagaCompleted',
      'OrderConfirmed',
    ]);
    await expectInvariants(shop, { kettle: 3 }, [ok.orderId, short.orderId, declined.orderId]);
  });

  it('lets exactly one of many orders racing for the last unit win', async () => {
    const shop = createShop();
    await shop.setStock('last', 1);
    const placed = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        shop.place({ customerId: `c-${index}`, items: [item('last')] }),
      ),
    );
    // Deliver the first messages of every saga concurrently, as QStash would.
    const first = shop.qstash.queue.filter((message) => !message.delayed);
    shop.qstash.queue.splice(
      0,
      shop.qstash.queue.length,
      ...shop.qstash.queue.filter((m) => m.delayed),
    );
    await Promise.all(first.map((message) => shop.deliver('/saga/steps', message.body)));
    await shop.settle();
    await shop.run();
    const statuses = await Promise.all(placed.map(({ orderId }) => shop.order(orderId)));
    expect(statuses.filter((order) => order.status === 'confirmed')).toHaveLength(1);
    expect(statuses.filter((order) => order.reason === 'out_of_stock')).toHaveLength(5);
    await expectInvariants(
      shop,
      { last: 1 },
      placed.map(({ orderId }) => orderId),
    );
  });

  it('releases a reservation nobody confirms when its deadline message arrives', async () => {
    const shop = createShop({ reservationTtlMs: 5_000 });
    await shop.setStock('kettle', 2);
    const response = await shop.apps.inventory.request('/reservations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        reservationId: 'r-1',
        orderId: 'o-1',
        items: [{ sku: 'kettle', quantity: 2 }],
      }),
    });
    expect(response.status).toBe(201);
    await shop.settle();
    expect(await shop.stock('kettle')).toMatchObject({ available: 0, reserved: 2 });
    shop.advance(5_001);
    shop.qstash.fireDelayed();
    await shop.run();
    expect(await shop.stock('kettle')).toMatchObject({ available: 2, reserved: 0, sold: 0 });
    const confirm = await shop.apps.inventory.request('/reservations/r-1/confirm', {
      method: 'POST',
    });
    expect(confirm.status).toBe(409);
    await expectInvariants(shop, { kettle: 2 }, []);
  });

  it('cancels with reason timeout when the reservation expired before the confirm', async () => {
    // Every inline step dies once, so each waits for the sweep: run the two tries, then let the
    // clock pass the hold before the confirm step is swept.
    const shop = createShop({ reservationTtlMs: 5_000, faults: ['before-inline'] });
    await shop.setStock('kettle', 2);
    const { orderId } = await shop.place({ customerId: 'c-1', items: [item('kettle', 1)] });
    for (let step = 0; step < 2; step += 1) {
      await shop.settle();
      await shop.sweep();
      await shop.qstash.drain();
    }
    await shop.settle();
    shop.advance(6_000);
    await shop.run();
    expect(await shop.order(orderId)).toMatchObject({ status: 'cancelled', reason: 'timeout' });
    expect(await shop.payment(orderId)).toMatchObject({ status: 'voided' });
    await expectInvariants(shop, { kettle: 2 }, [orderId]);
  });
});
