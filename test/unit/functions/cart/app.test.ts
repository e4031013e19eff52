import { beforeEach, describe, expect, it } from 'vitest';
import { call, twoRegions, type Regions } from './regions.ts';

let r: Regions;
const eu = () => r.region['eu-west'];

beforeEach(() => {
  r = twoRegions();
});

const put = (sku: string, quantity: number, context?: string, customer = 'c-1') =>
  call(eu(), 'PUT', `/carts/${customer}/items/${sku}`, {
    quantity,
    ...(context === undefined ? {} : { context }),
  });

describe('cart in one region', () => {
  it('keeps what is put, answers the context as a field and a header, and reads it back', async () => {
    const first = await put('apple', 2);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      customerId: 'c-1',
      items: [{ sku: 'apple', quantity: 2 }],
      context: 'eu-west:1',
    });
    await put('pear', 1, first.body.context);
    const response = await eu().request('/carts/c-1');
    expect(response.headers.get('cart-context')).toBe('eu-west:2');
    expect(await response.json()).toMatchObject({
      items: [
        { sku: 'apple', quantity: 2 },
        { sku: 'pear', quantity: 1 },
      ],
      context: 'eu-west:2',
      caughtUp: true,
    });
    expect((await call(eu(), 'GET', '/carts/nobody')).body).toMatchObject({
      items: [],
      context: '',
    });
  });

  it('keeps both quantities of a concurrent PUT, shows the largest, and a PUT that saw both settles it', async () => {
    const read = (await call(eu(), 'GET', '/carts/c-1')).body.context;
    await put('apple', 5);
    const stale = await put('apple', 1, read);
    expect(stale.body.items).toEqual([{ sku: 'apple', quantity: 5 }]);
    expect(stale.body.conflicts).toEqual([{ sku: 'apple', quantities: [1, 5] }]);
    const settled = await put('apple', 1, stale.body.context);
    expect(settled.body).toMatchObject({ items: [{ sku: 'apple', quantity: 1 }], conflicts: [] });
  });

  it('removes only what the remover had seen: an add it had not seen stays', async () => {
    const seen = (await put('apple', 1)).body.context;
    await call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 3 }, { 'cart-context': '' });
    const removed = await call(eu(), 'DELETE', `/carts/c-1/items/apple?context=${seen}`);
    expect(removed.body.items).toEqual([{ sku: 'apple', quantity: 3 }]);
    const all = await call(eu(), 'DELETE', '/carts/c-1/items/apple', undefined, {
      'cart-context': removed.body.context,
    });
    expect(all.body.items).toEqual([]);
  });

  it('refuses a bad context, quantity or sku, or a header and field that differ, with 400 and writes nothing', async () => {
    const cases = [
      call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 1, context: 'eu-west:01' }),
      call(eu(), 'PUT', '/carts/c-1/items/apple', { quantity: 0 }),
      call(eu(), 'PUT', '/carts/c-1/items/a%20b', { quantity: 1 }),
      call(
        eu(),
        'PUT',
        '/carts/c-1/items/apple',
        { quantity: 1, context: 'eu-west:1' },
        { 'cart-context': 'eu-west:2' },
      ),
      call(eu(), 'DELETE', '/carts/c-1/items/apple?context=nope'),
    ];
    for (const { status, body } of await Promise.all(cases)) {
      expect(status).toBe(400);
      expect(body.code).toBe('VALIDATION');
    }
    expect(await eu().events.readAll()).toEqual([]);
  });
});

describe('checkout', () => {
  const prices = { unitPrices: { apple: 120, pear: 99 } };

  it('places one order with the cart items through orders and empties what it saw', async () => {
    await put('apple', 2);
    const { context } = (await put('pear', 1)).body;
    const placed = await call(eu(), 'POST', '/carts/c-1/checkout', { ...prices, context });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    const order: unknown = await (await r.orders.request(`/orders/${orderId}`)).json();
    expect(order).toMatchObject({
      customerId: 'c-1',
      items: [
        { sku: 'apple', quantity: 2, unitPrice: 120 },
        { sku: 'pear', quantity: 1, unitPrice: 99 },
      ],
    });
    expect((await call(eu(), 'GET', '/carts/c-1')).body.items).toEqual([]);
    const again = await call(eu(), 'POST', '/carts/c-1/checkout', { ...prices, context });
    expect(again.status).toBe(409);
  });

  it('a retry with the same Idempotency-Key and a changed cart is refused (409) and places nothing more', async () => {
    const { context } = (await put('apple', 2)).body;
    const key = { 'idempotency-key': 'checkout-1' };
    const first = await call(eu(), 'POST', '/carts/c-1/checkout', { ...prices, context }, key);
    await put('apple', 1, '');
    const second = await call(eu(), 'POST', '/carts/c-1/checkout', { ...prices }, key);
    expect(second.status).toBe(409);
    expect(first.status).toBe(202);
    expect((await r.orders.events.readAll({ types: ['OrderPlaced'] })).length).toBe(1);
  });

  it('refuses an empty cart (409) and an item without a price (400, naming it)', async () => {
    expect((await call(eu(), 'POST', '/carts/c-1/checkout', prices)).status).toBe(409);
    await put('fig', 1);
    const missing = await call(eu(), 'POST', '/carts/c-1/checkout', prices);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'unitPrices.fig' })]);
  });
});
