// The reference shop in one process for unit tests: orders (with its saga), inventory and
// payments built as in production on memory adapters (testService), calling each other through
// the real service client, with a memory QStash delivering the outbox messages.
import inventory from '../../../../functions/inventory/service.ts';
import orders from '../../../../functions/orders/service.ts';
import payments from '../../../../functions/payments/service.ts';
import type { SagaFaultPoint } from '../../../../shared/saga/index.ts';
import { testService } from '../../../../shared/service/index.ts';
import { memoryQstash } from '../../shared/saga/memory-qstash.ts';

export interface ShopOptions {
  /** Crash once at these points of every saga message (`SAGA_FAULTS`). */
  faults?: readonly SagaFaultPoint[];
  /** Inventory's default reservation hold, ms. Default 60,000. */
  reservationTtlMs?: number;
  deadlineMs?: number;
}

export function createShop({
  faults,
  reservationTtlMs = 60_000,
  deadlineMs = 30_000,
}: ShopOptions = {}) {
  const hosts: Record<
    string,
    { request: (path: string, init?: RequestInit) => Promise<Response> }
  > = {};
  const route = (url: string, init: RequestInit) => {
    // A topic (order-events) no app serves here: accepted and dropped, as by an empty URL group.
    if (!/^https?:\/\//.test(url)) return Promise.resolve(new Response(null, { status: 200 }));
    const target = new URL(url);
    const host = hosts[target.host];
    if (!host) return Promise.reject(new Error(`no app at ${target.host}`));
    return host.request(target.pathname + target.search, init);
  };
  const qstash = memoryQstash(route);
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    route(input instanceof Request ? input.url : String(input), init ?? {});
  const env = {
    SERVICE_INVENTORY_URL: 'http://inventory.test',
    SERVICE_PAYMENTS_URL: 'http://payments.test',
    ORDERS_SAGA_DEADLINE_MS: String(deadlineMs),
    ORDERS_RESERVATION_TTL_MS: String(reservationTtlMs),
    INVENTORY_RESERVATION_TTL_MS: String(reservationTtlMs),
    ...(faults ? { SAGA_FAULTS: faults.join(',') } : {}),
  };
  const stock = testService(inventory, { env, publisher: qstash.publish });
  const pay = testService(payments, { env });
  const shop = testService(orders, { env, publisher: qstash.publish, fetch });
  hosts['orders.test'] = shop;
  hosts['inventory.test'] = stock;
  hosts['payments.test'] = pay;
  const clocks = [stock, pay, shop];

  return {
    qstash,
    stores: { orders: shop.events, inventory: stock.events, payments: pay.events },
    apps: { orders: shop.app, inventory: stock.app, payments: pay.app },
    saga: shop.deps.saga!,
    advance(ms: number) {
      for (const service of clocks) service.advance(ms);
    },
    /** A signed QStash delivery to orders. */
    deliver: (path: string, body: unknown) => shop.deliver(path, body),
    async settle() {
      await Promise.all(clocks.map((service) => service.settle()));
    },
    async setStock(sku: string, available: number) {
      const response = await stock.send('PUT', `/stock/${sku}`, { available });
      if (response.status !== 200) throw new Error(`PUT /stock/${sku}: ${response.status}`);
    },
    async stock(sku: string) {
      return (await (await stock.request(`/stock/${sku}`)).json()) as {
        available: number;
        reserved: number;
        sold: number;
      };
    },
    async place(body: unknown) {
      const response = await shop.send('POST', '/orders', body);
      return { response, orderId: ((await response.json()) as { orderId: string }).orderId };
    },
    async order(orderId: string) {
      const response = await shop.request(`/orders/${orderId}`);
      return (await response.json()) as { status: string; reason?: string; history: unknown[] };
    },
    async timeline(orderId: string) {
      const response = await shop.request(`/orders/${orderId}/saga`);
      return (await response.json()) as {
        status: string;
        steps: Array<{ name: string; status: string }>;
      };
    },
    async payment(orderId: string) {
      const response = await pay.request(`/payments/${orderId}`);
      return response.status === 404 ? undefined : ((await response.json()) as { status: string });
    },
    /** What the scheduled sweep of orders' outbox does: relays rows a dead invocation left. */
    async sweep() {
      await shop.relay.sweep({ minAgeMs: 0 });
    },
    /** Delivers everything; a crash that lost a relay is picked up by the outbox sweeps. */
    async run(options: { times?: number } = {}) {
      for (let round = 0; round < 8; round += 1) {
        await qstash.drain(options);
        await this.settle();
        await shop.relay.sweep({ minAgeMs: 0 });
        await stock.relay.sweep({ minAgeMs: 0 });
      }
      await qstash.drain(options);
    },
  };
}

export type Shop = ReturnType<typeof createShop>;
