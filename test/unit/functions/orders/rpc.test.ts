// OrderService over Connect and gRPC-Web against the orders app in memory: the same orders, the
// same validation and the same idempotency as POST /orders.
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { beforeEach, describe, expect, it } from 'vitest';
import { BadRequestSchema } from '../../../../functions/orders/gen/google/rpc/error_details_pb.ts';
import {
  OrderService,
  OrderStatus,
} from '../../../../functions/orders/gen/edgemesh/orders/v1/orders_pb.ts';
import orders from '../../../../functions/orders/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;
const fetchApp = (input: RequestInfo | URL, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return t.request(url.pathname, init);
};
const transports: Record<string, () => Transport> = {
  'Connect JSON': () => createConnectTransport({ baseUrl: 'http://orders.test', fetch: fetchApp }),
  'Connect binary': () =>
    createConnectTransport({
      baseUrl: 'http://orders.test',
      fetch: fetchApp,
      useBinaryFormat: true,
    }),
  'gRPC-Web': () => createGrpcWebTransport({ baseUrl: 'http://orders.test', fetch: fetchApp }),
};
const order = { customerId: 'c-1', items: [{ sku: 'apple', quantity: 3, unitPrice: 120n }] };

beforeEach(() => {
  t = testService(orders, { now: Date.parse('2026-11-26T12:00:00Z') });
});

describe('OrderService', () => {
  for (const [name, transport] of Object.entries(transports)) {
    it(`places an order over ${name} that GET /orders/:id shows`, async () => {
      const client = createClient(OrderService, transport());
      const placed = await client.createOrder(order);
      expect(placed.status).toBe(OrderStatus.PENDING);
      const rest = (await (await t.request(`/orders/${placed.orderId}`)).json()) as {
        customerId: string;
        total: number;
        status: string;
      };
      expect(rest).toMatchObject({ customerId: 'c-1', total: 360, status: 'pending' });
      const { order: got } = await client.getOrder({ orderId: placed.orderId });
      expect(got).toMatchObject({ customerId: 'c-1', total: 360n, status: OrderStatus.PENDING });
    });
  }

  it('answers the order placed over REST for the same idempotency-key and request', async () => {
    const rest = await t.request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
      body: JSON.stringify({ ...order, items: [{ sku: 'apple', quantity: 3, unitPrice: 120 }] }),
    });
    const { orderId } = (await rest.json()) as { orderId: string };
    const client = createClient(OrderService, transports['Connect binary']!());
    const again = await client.createOrder(order, { headers: { 'idempotency-key': 'k1' } });
    expect(again.orderId).toBe(orderId);
    const other = client.createOrder(
      { ...order, currency: 'EUR' },
      { headers: { 'idempotency-key': 'k1' } },
    );
    await expect(other).rejects.toMatchObject({ code: Code.AlreadyExists });
  });

  it('names each bad field as a google.rpc.BadRequest violation of InvalidArgument', async () => {
    const client = createClient(OrderService, transports['gRPC-Web']!());
    const error = await client
      .createOrder({ customerId: '', items: [{ sku: 'a', quantity: 0 }], currency: 'usd' })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    const [details] = (error as ConnectError).findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((v) => v.field).sort()).toEqual([
      'currency',
      'customer_id',
      'items[0].quantity',
    ]);
    expect(await t.events.readAll()).toEqual([]);
  });

  it('answers NotFound for an unknown order', async () => {
    const client = createClient(OrderService, transports['Connect JSON']!());
    await expect(client.getOrder({ orderId: 'none' })).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });
});
