// OrderService on the orders function's own URL, in workerd and in Deno, called the way its users
// would: a Connect-ES client over Connect JSON, Connect binary and gRPC-Web, `buf curl`, and raw
// requests for the deadline, and @grpc/grpc-js over native gRPC through the devstack's gateway.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import { BadRequestSchema } from '../../../functions/orders/gen/google/rpc/error_details_pb.ts';
import {
  GetOrderRequestSchema,
  GetOrderResponseSchema,
  OrderRequestSchema,
  OrderResponseSchema,
  OrderService,
  OrderStatus,
  WatchOrderRequestSchema,
  WatchOrderResponseSchema,
} from '../../../functions/orders/gen/edgemesh/orders/v1/orders_pb.ts';
import { startGrpcGateway } from '../../../devstack/grpc/gateway.ts';

const run = promisify(execFile);
const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'orders', 'payments'] as const;
const method = (name: string) => `/edgemesh.orders.v1.OrderService/${name}`;

describe.each(runtimes)('OrderService on %s', (runtime) => {
  const vars = inject('devstackVars');
  const tag = `${runtime}-${randomUUID().slice(0, 8)}`;
  const operatorToken = `e2e-grpc-operator-${randomUUID()}`;
  const ports: Record<string, number> = {};
  let running: RunningFunction[] = [];
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;
  const transports: Record<string, () => Transport> = {
    'Connect JSON': () => createConnectTransport({ baseUrl: url('orders') }),
    'Connect binary': () =>
      createConnectTransport({ baseUrl: url('orders'), useBinaryFormat: true }),
    'gRPC-Web': () => createGrpcWebTransport({ baseUrl: url('orders') }),
  };

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    running = await startFunctions(
      listFunctions().filter((spec) => (names as readonly string[]).includes(spec.name)),
      {
        runtime,
        ports,
        vars: {
          ...vars,
          SERVICE_AUTH_SECRET: `e2e-grpc-secret-${randomUUID()}`,
          EDGEMESH_OPERATOR_TOKEN: operatorToken,
          SERVICE_ORDERS_URL: url('orders'),
          SERVICE_INVENTORY_URL: url('inventory'),
          SERVICE_PAYMENTS_URL: url('payments'),
          // Order events go nowhere anyone listens: only the saga matters here.
          ORDERS_EVENTS_DESTINATION: `${url('orders')}/health`,
        },
      },
    );
    const stock = await fetch(`${url('inventory')}/stock/grpc-${tag}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({ available: 100 }),
    });
    expect(stock.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
  });

  it('creates, gets and watches an order to confirmed over Connect JSON, binary and gRPC-Web', async () => {
    await Promise.all(
      Object.entries(transports).map(async ([protocol, transport]) => {
        const client = createClient(OrderService, transport());
        const traceId = randomUUID().replaceAll('-', '');
        const placed = await client.createOrder(
          {
            customerId: `grpc-${tag}`,
            items: [{ sku: `grpc-${tag}`, quantity: 2, unitPrice: 450n }],
          },
          {
            headers: {
              'idempotency-key': `${protocol}-${tag}`,
              traceparent: `00-${traceId}-${'1'.repeat(16)}-01`,
            },
          },
        );
        expect(placed.status, protocol).toBe(OrderStatus.PENDING);
        const { order } = await client.getOrder({ orderId: placed.orderId });
        expect(order, protocol).toMatchObject({ total: 900n, currency: 'USD', traceId });
        const statuses: OrderStatus[] = [];
        for await (const change of client.watchOrder({ orderId: placed.orderId })) {
          statuses.push(change.order!.status);
        }
        expect(statuses.at(-1), protocol).toBe(OrderStatus.CONFIRMED);
        expect(new Set(statuses).size, protocol).toBe(statuses.length);
        // The same order REST shows.
        const rest = (await (await fetch(`${url('orders')}/orders/${placed.orderId}`)).json()) as {
          status: string;
          traceId: string;
        };
        expect(rest, protocol).toMatchObject({ status: 'confirmed', traceId });
      }),
    );
  }, 60_000);

  it('answers InvalidArgument with google.rpc.BadRequest field violations for a bad order', async () => {
    const client = createClient(OrderService, transports['Connect JSON']!());
    const error = ConnectError.from(
      await client
        .createOrder({ customerId: `grpc-${tag}`, items: [], currency: 'euro' })
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    const [badRequest] = error.findDetails(BadRequestSchema);
    expect(badRequest?.fieldViolations.map((violation) => violation.field).sort()).toEqual([
      'currency',
      'items',
    ]);
  });

  it('answers DeadlineExceeded, placing nothing, when the caller’s deadline is already spent', async () => {
    const order = { customerId: `grpc-${tag}`, items: [{ sku: `grpc-${tag}`, quantity: 1 }] };
    const connect = await fetch(`${url('orders')}${method('CreateOrder')}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'connect-timeout-ms': '0',
        'idempotency-key': `late-${tag}`,
      },
      body: JSON.stringify(order),
    });
    expect(((await connect.json()) as { code: string }).code).toBe('deadline_exceeded');
    const grpcWeb = await fetch(`${url('orders')}${method('GetOrder')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'grpc-timeout': '0m' },
      body: new Uint8Array(5),
    });
    // gRPC-Web carries the status in a trailers frame at the end of the body.
    const trailers = new TextDecoder().decode(await grpcWeb.arrayBuffer());
    expect(trailers).toMatch(new RegExp(`grpc-status: ?${Code.DeadlineExceeded}\\r\\n`));
    // The key was never used: the same key places the order now, with no mismatch.
    const client = createClient(OrderService, transports['Connect JSON']!());
    const placed = await client.createOrder(
      { ...order, currency: 'EUR' },
      { headers: { 'idempotency-key': `late-${tag}` } },
    );
    expect(placed.status).toBe(OrderStatus.PENDING);
  });

  it('answers buf curl over the Connect protocol with the proto as schema', async () => {
    const client = createClient(OrderService, transports['Connect binary']!());
    const { orderId } = await client.createOrder({
      customerId: `grpc-${tag}`,
      items: [{ sku: `grpc-${tag}`, quantity: 1, unitPrice: 100n }],
    });
    const { stdout } = await run('npx', [
      'buf',
      'curl',
      '--protocol',
      'connect',
      '--schema',
      'proto',
      '--data',
      JSON.stringify({ orderId }),
      `${url('orders')}${method('GetOrder')}`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ order: { orderId, total: '100' } });
  });

  it('refuses native gRPC with 415: it could not send the trailers gRPC needs', async () => {
    const grpc = await fetch(`${url('orders')}${method('GetOrder')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc', te: 'trailers' },
      body: new Uint8Array(5),
    });
    expect(grpc.status).toBe(415);
  });

  it('serves @grpc/grpc-js over native gRPC through the devstack gateway (create, get, watch, errors)', async () => {
    const gateway = await startGrpcGateway(url('orders'));
    const client = new grpc.Client(gateway.url, grpc.credentials.createInsecure());
    const codec = <S extends DescMessage>(schema: S) => ({
      serialize: (value: MessageShape<S>) => Buffer.from(toBinary(schema, value)),
      deserialize: (bytes: Buffer) => fromBinary(schema, bytes),
    });
    const unary = <I extends DescMessage, O extends DescMessage>(
      name: string,
      input: I,
      output: O,
      request: MessageShape<I>,
      metadata = new grpc.Metadata(),
    ) =>
      new Promise<MessageShape<O>>((resolve, reject) => {
        client.makeUnaryRequest(
          method(name),
          codec(input).serialize,
          codec(output).deserialize,
          request,
          metadata,
          (error, response) => (error ? reject(error) : resolve(response!)),
        );
      });
    try {
      const metadata = new grpc.Metadata();
      metadata.set('idempotency-key', `grpc-js-${tag}`);
      const request = create(OrderRequestSchema, {
        customerId: `grpc-${tag}`,
        items: [{ sku: `grpc-${tag}`, quantity: 1, unitPrice: 300n }],
      });
      const placed = await unary(
        'CreateOrder',
        OrderRequestSchema,
        OrderResponseSchema,
        request,
        metadata,
      );
      const again = await unary(
        'CreateOrder',
        OrderRequestSchema,
        OrderResponseSchema,
        request,
        metadata,
      );
      expect(again.orderId).toBe(placed.orderId);
      const { order } = await unary(
        'GetOrder',
        GetOrderRequestSchema,
        GetOrderResponseSchema,
        create(GetOrderRequestSchema, { orderId: placed.orderId }),
      );
      expect(order?.total).toBe(300n);
      const statuses: OrderStatus[] = [];
      const watch = client.makeServerStreamRequest(
        method('WatchOrder'),
        codec(WatchOrderRequestSchema).serialize,
        codec(WatchOrderResponseSchema).deserialize,
        create(WatchOrderRequestSchema, { orderId: placed.orderId }),
      );
      for await (const change of watch as AsyncIterable<
        MessageShape<typeof WatchOrderResponseSchema>
      >) {
        statuses.push(change.order!.status);
      }
      expect(statuses.at(-1)).toBe(OrderStatus.CONFIRMED);
      const invalid = await unary(
        'CreateOrder',
        OrderRequestSchema,
        OrderResponseSchema,
        create(OrderRequestSchema, { customerId: `grpc-${tag}` }),
      ).catch((error: grpc.ServiceError) => error);
      expect((invalid as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((invalid as grpc.ServiceError).metadata.get('grpc-status-details-bin')).toHaveLength(
        1,
      );
    } finally {
      client.close();
      await gateway.close();
    }
  });
});
