// The three functions in one process for unit tests: orders (with its saga), inventory and
// payments on memory event stores, calling each other through the real service client, with a
// memory QStash delivering the outbox messages.
import { createInventoryApp } from '../../../../functions/inventory/app.ts';
import { inventoryEventSchemas } from '../../../../functions/inventory/schema.ts';
import { createOrdersApp } from '../../../../functions/orders/app.ts';
import { orderSagaOrchestrator, type OrdersDeps } from '../../../../functions/orders/deps.ts';
import { httpParticipants } from '../../../../functions/orders/participants.ts';
import { orderEventSchemas } from '../../../../functions/orders/schema.ts';
import { createPaymentsApp } from '../../../../functions/payments/app.ts';
import { paymentEventSchemas } from '../../../../functions/payments/schema.ts';
import { memoryBreakerStore } from '../../../../shared/breaker/memory-store.ts';
import { createBreakerSet } from '../../../../shared/breaker/breakers.ts';
import { staticRegistry } from '../../../../shared/discovery/static.ts';
import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { createOutboxRelay } from '../../../../shared/event-store/outbox-relay.ts';
import { sagaEventSchemas } from '../../../../shared/saga/events.ts';
import type { SagaFaults } from '../../../../shared/saga/orchestrator.ts';
import { createTelemetry } from '../../../../shared/telemetry/telemetry.ts';
import { memoryQstash } from '../../shared/saga/memory-qstash.ts';

export interface ShopOptions {
  faults?: SagaFaults;
  /** Inventory's default reservation hold, ms. Default 60,000. */
  reservationTtlMs?: number;
  deadlineMs?: number;
}

export function createShop({
  faults,
  reservationTtlMs = 60_000,
  deadlineMs = 30_000,
}: ShopOptions = {}) {
  let clock = Date.parse('2026-11-26T12:00:00Z');
  const now = () => clock;
  const pending: Promise<unknown>[] = [];
  const waitUntil = (promise: Promise<unknown>) => void pending.push(promise);
  const apps: Record<
    string,
    { request: (path: string, init: RequestInit) => Response | Promise<Response> }
  > = {};
  const route = (url: string, init: RequestInit) => {
    // A URL group (order-events) no app serves here: accepted and dropped, as by an empty group.
    if (!/^https?:\/\//.test(url)) return Promise.resolve(new Response(null, { status: 200 }));
    const target = new URL(url);
    const app = apps[target.host];
    if (!app) return Promise.reject(new Error(`no app at ${target.host}`));
    return Promise.resolve(app.request(target.pathname + target.search, init));
  };
  const qstash = memoryQstash(route);

  const inventoryStore = memoryEventStore({ schemas: inventoryEventSchemas, now });
  const inventoryRelay = createOutboxRelay({ store: inventoryStore, publisher: qstash.publish });
  const inventory = createInventoryApp({
    service: 'inventory',
    events: inventoryStore,
    relay: inventoryRelay,
    selfUrl: 'http://inventory.test',
    reservationTtlMs,
    healthChecks: [],
    now,
    waitUntil,
    telemetry: createTelemetry({ service: 'inventory' }),
  });
  const paymentsStore = memoryEventStore({ schemas: paymentEventSchemas, now });
  const payments = createPaymentsApp({
    service: 'payments',
    events: paymentsStore,
    healthChecks: [],
    now,
    telemetry: createTelemetry({ service: 'payments' }),
  });

  const ordersStore = memoryEventStore({
    schemas: { ...orderEventSchemas, ...sagaEventSchemas },
    now,
  });
  const ordersRelay = createOutboxRelay({ store: ordersStore, publisher: qstash.publish });
  const saga = orderSagaOrchestrator({
    events: ordersStore,
    participants: httpParticipants({
      registry: staticRegistry({
        SERVICE_INVENTORY_URL: 'http://inventory.test',
        SERVICE_PAYMENTS_URL: 'http://payments.test',
      }),
      breakers: createBreakerSet({ store: memoryBreakerStore(), waitUntil, log: () => {} }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      fetch: (input, init) =>
        route(String(input instanceof Request ? input.url : input), init ?? {}),
    }),
    selfUrl: 'http://orders.test',
    eventsDestination: 'order-events',
    deadlineMs,
    reservationTtlMs,
    now,
    ...(faults ? { faults } : {}),
  });
  let counter = 0;
  const ordersDeps: OrdersDeps = {
    service: 'orders',
    events: ordersStore,
    relay: ordersRelay,
    eventsDestination: 'order-events',
    saga,
    healthChecks: [],
    now,
    newId: () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    waitUntil,
  };
  const orders = createOrdersApp(ordersDeps);
  apps['orders.test'] = orders;
  apps['inventory.test'] = inventory;
  apps['payments.test'] = payments;

  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  return {
    qstash,
    stores: { orders: ordersStore, inventory: inventoryStore, payments: paymentsStore },
    apps: { orders, inventory, payments },
    saga,
    advance(ms: number) {
      clock += ms;
    },
    async settle() {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    },
    async setStock(sku: string, available: number) {
      const response = await inventory.request(`/stock/${sku}`, json('PUT', { available }));
      if (response.status !== 200) throw new Error(`PUT /stock/${sku}: ${response.status}`);
    },
    async stock(sku: string) {
      const response = await inventory.request(`/stock/${sku}`, {});
      return (await response.json()) as { available: number; reserved: number; sold: number };
    },
    async place(body: unknown) {
      const response = await orders.request('/orders', json('POST', body));
      return { response, orderId: ((await response.json()) as { orderId: string }).orderId };
    },
    async order(orderId: string) {
      const response = await orders.request(`/orders/${orderId}`, {});
      return (await response.json()) as { status: string; reason?: string; history: unknown[] };
    },
    async timeline(orderId: string) {
      const response = await orders.request(`/orders/${orderId}/saga`, {});
      return (await response.json()) as {
        status: string;
        steps: Array<{ name: string; status: string }>;
      };
    },
    async payment(orderId: string) {
      const response = await payments.request(`/payments/${orderId}`, {});
      return response.status === 404 ? undefined : ((await response.json()) as { status: string });
    },
    /** Delivers everything; a crash that lost a relay is picked up by the outbox sweeps. */
    async run(options: { times?: number } = {}) {
      for (let round = 0; round < 8; round += 1) {
        await qstash.drain(options);
        await this.settle();
        await ordersRelay.sweep({ minAgeMs: 0 });
        await inventoryRelay.sweep({ minAgeMs: 0 });
      }
      await qstash.drain(options);
    },
  };
}

export type Shop = ReturnType<typeof createShop>;
