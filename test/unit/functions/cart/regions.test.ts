import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyPut,
  emptyCart,
  formatCart,
  type CartState,
} from '../../../../shared/consistency/index.ts';
import { call, twoRegions, type Regions } from './regions.ts';

let r: Regions;
const eu = () => r.region['eu-west'];
const us = () => r.region['us-east'];
const cartIn = async (region: 'eu-west' | 'us-east', context?: string) =>
  (
    await call(
      r.region[region],
      'GET',
      `/carts/c-1${context === undefined ? '' : `?context=${context}`}`,
    )
  ).body;

beforeEach(() => {
  r = twoRegions();
});

describe('two regions', () => {
  it('send each change to the other region, which merges it once however often it arrives', async () => {
    await call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 2 });
    await r.settle();
    expect(r.inFlight).toHaveLength(1);
    expect(r.inFlight[0]?.message.destination).toBe('http://us-east.cart.test/replication/carts');
    expect(await r.deliver(0, { duplicate: true })).toBe(200);
    expect(await r.deliver(0)).toBe(200);
    expect((await cartIn('us-east')).items).toEqual([{ sku: 'apple', quantity: 2 }]);
    expect(await us().events.readStream('cart-c-1')).toHaveLength(1);
  });

  it('refuse an unsigned replication message (401) and, while partitioned, a signed one (503)', async () => {
    const body = {
      eventId: 'x',
      from: 'eu-west',
      customerId: 'c-1',
      state: { v: 1, context: '', lines: [] },
    };
    expect((await us().send('POST', '/replication/carts', body)).status).toBe(401);
    await us().setting('replication.partitioned', true);
    expect((await us().deliver('/replication/carts', body)).status).toBe(503);
  });

  it('accept conflicting writes on both sides of a partition and converge when it heals, losing no add and honouring removes', async () => {
    const start = (await call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 1 })).body.context;
    await call(eu(), 'PUT', '/carts/c-1/items/pear', { quantity: 1, context: start });
    await r.settle();
    await r.deliverAll();
    const both = (await cartIn('us-east')).context;
    r.partitioned = true;
    // eu removes the apple it saw and raises the pear; us adds a fig and sets the pear too.
    await call(eu(), 'DELETE', `/carts/c-1/items/apple?context=${both}`);
    await call(eu(), 'PUT', '/carts/c-1/items/pear', { quantity: 4, context: both });
    await call(us(), 'PUT', '/carts/c-1/items/fig', { quantity: 2, context: both });
    await call(us(), 'PUT', '/carts/c-1/items/pear', { quantity: 2, context: both });
    await call(us(), 'PUT', '/carts/c-1/items/apple', { quantity: 7, context: '' });
    await r.settle();
    await r.deliverAll(); // lost: the regions cannot reach each other
    expect((await r.sweep('eu-west')).status).toBe(502);
    r.partitioned = false;
    expect((await r.sweep('eu-west')).status).toBe(200);
    expect((await r.sweep('us-east')).status).toBe(200);
    const [a, b] = [await cartIn('eu-west'), await cartIn('us-east')];
    expect(a).toEqual(b);
    expect(a.items).toEqual([
      { sku: 'apple', quantity: 7 }, // the blind add eu's remove had not seen
      { sku: 'fig', quantity: 2 },
      { sku: 'pear', quantity: 4 }, // concurrent quantities: the largest
    ]);
    expect(a.conflicts).toEqual([{ sku: 'pear', quantities: [2, 4] }]);
  });

  it('give a client that wrote in one region its write in the other (read repair), or say it cannot', async () => {
    const { context } = (await call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 3 })).body;
    r.partitioned = true;
    const stale = await cartIn('us-east', context);
    expect(stale).toMatchObject({ items: [], caughtUp: false, context });
    const checkout = await call(us(), 'POST', '/carts/c-1/checkout', {
      unitPrices: { apple: 1 },
      context,
    });
    expect(checkout.status).toBe(409);
    r.partitioned = false;
    expect(await cartIn('us-east', context)).toMatchObject({
      items: [{ sku: 'apple', quantity: 3 }],
      caughtUp: true,
      context,
    });
  });

  it('sweep only what changed since the last sweep that the other region merged', async () => {
    r.partitioned = true;
    await call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 1 });
    await call(eu(), 'PUT', '/carts/c-2/items/apple', { quantity: 1 });
    expect((await r.sweep('eu-west')).status).toBe(502);
    r.partitioned = false;
    expect(await (await r.sweep('eu-west')).json()).toEqual({ carts: 2 });
    expect(await (await r.sweep('eu-west')).json()).toEqual({ carts: 0 });
    expect((await call(us(), 'GET', '/carts/c-2')).body.items).toEqual([
      { sku: 'apple', quantity: 1 },
    ]);
  });

  it('sweep carts too large for one request in several, under the 64 KiB input limit', async () => {
    let big: CartState = emptyCart;
    for (let i = 0; i < 300; i += 1) {
      big = applyPut(big, `sku-${String(i).padStart(60, '0')}`, 5, undefined, 'eu-west').state;
    }
    const customers = ['big-1', 'big-2', 'big-3'];
    r.partitioned = true;
    for (const customerId of customers) {
      const body = {
        eventId: `seed-${customerId}`,
        from: 'eu-west',
        customerId,
        state: formatCart(big),
      };
      expect((await eu().deliver('/replication/carts', body)).status).toBe(200);
      await call(eu(), 'PUT', `/carts/${customerId}/items/last`, { quantity: 1 });
    }
    expect(JSON.stringify(formatCart(big)).length * 3).toBeGreaterThan(64 * 1024);
    r.partitioned = false;
    expect(await (await r.sweep('eu-west')).json()).toEqual({ carts: 3 });
    for (const customerId of customers) {
      expect((await call(us(), 'GET', `/carts/${customerId}`)).body.items).toHaveLength(301);
    }
  });
});
