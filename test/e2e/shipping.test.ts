// The worked example of docs/write-a-function.md end to end: an order confirmed by the saga
// reaches shipping through QStash's order-events topic, and becomes exactly one shipment.
import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions, loadServices } from '../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../devstack/functions/start.ts';
import { freePort } from '../../devstack/listen.ts';
import { applyTopology, resolveTopology } from '../../shared/queue/index.ts';
import { topologyOf } from '../../shared/service/index.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'orders', 'payments', 'shipping'];

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe.each(runtimes)('shipping on %s: confirmed orders become shipments', (runtime) => {
  const vars = inject('devstackVars');
  const suffix = `-ship-${runtime}-${randomUUID().slice(0, 8)}`;
  const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN! });
  const specs = listFunctions().filter((spec) => names.includes(spec.name));
  const ports: Record<string, number> = {};
  let running: RunningFunction[] = [];
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    const functionVars = {
      ...vars,
      ...Object.fromEntries(names.map((name) => [`SERVICE_${name.toUpperCase()}_URL`, url(name)])),
      ORDERS_EVENTS_DESTINATION: `order-events${suffix}`,
    };
    running = await startFunctions(specs, { runtime, ports, vars: functionVars });
    const topology = topologyOf((await loadServices(specs)).map((s) => s.definition));
    await applyTopology(
      qstash,
      resolveTopology(
        { topics: topology.topics, schedules: [] },
        Object.fromEntries(names.map((n) => [n, url(n)])),
        {
          suffix,
        },
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await qstash.urlGroups.delete(`order-events${suffix}`).catch(() => {});
  });

  it('ships a confirmed order once, with its customer and items, and dispatches it', async () => {
    const sku = `ship-${randomUUID().slice(0, 8)}`;
    await fetch(`${url('inventory')}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ available: 3 }),
    });
    const placed = await fetch(`${url('orders')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-ship', items: [{ sku, quantity: 2, unitPrice: 990 }] }),
    });
    const { orderId } = (await placed.json()) as { orderId: string };
    const shipmentsOf = async () =>
      (
        (await (await fetch(`${url('shipping')}/shipments?orderId=${orderId}`)).json()) as {
          shipments: Array<{
            shipmentId: string;
            customerId: string;
            items: unknown[];
            status: string;
          }>;
        }
      ).shipments;
    const shipments = await eventually(shipmentsOf, (list) => list.length > 0);
    expect(shipments).toEqual([
      expect.objectContaining({
        customerId: 'c-ship',
        items: [{ sku, quantity: 2 }],
        status: 'pending',
      }),
    ]);
    const dispatched = await fetch(
      `${url('shipping')}/shipments/${shipments[0]!.shipmentId}/dispatch`,
      {
        method: 'POST',
      },
    );
    expect(await dispatched.json()).toMatchObject({ status: 'dispatched' });
    // QStash may deliver OrderConfirmed again; the shipment stays one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await shipmentsOf()).toHaveLength(1);
  }, 60_000);
});
