// Native gRPC (HTTP/2 with trailers) in front of the orders function, which cannot send trailers
// from workerd or Deno: each call is relayed over gRPC-Web with its metadata, deadline and errors.
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { ConnectError, createClient, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { OrderService } from '../../functions/orders/gen/edgemesh/orders/v1/orders_pb.ts';

/** Metadata a call carries on to the function. */
const forwarded = ['idempotency-key', 'traceparent', 'tracestate'];

/**
 * The function's error as this server's: code, message, details and `edgemesh-code`, without
 * the gRPC-Web response's own headers (HTTP/1 ones HTTP/2 forbids).
 */
function relayed(error: unknown): Error {
  if (!(error instanceof ConnectError)) return ConnectError.from(error);
  const code = error.metadata.get('edgemesh-code');
  const own = new ConnectError(error.rawMessage, error.code, code ? { 'edgemesh-code': code } : {});
  own.details.push(...error.details);
  return own;
}

async function* relayStream<T>(stream: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (error) {
    throw relayed(error);
  }
}

export interface GrpcGateway {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves OrderService over native gRPC (h2c) at `port`, relaying to the orders function at `ordersUrl`. */
export async function startGrpcGateway(ordersUrl: string, port = 0): Promise<GrpcGateway> {
  const orders = createClient(OrderService, createGrpcWebTransport({ baseUrl: ordersUrl }));
  const callOptions = (ctx: HandlerContext) => {
    const headers = new Headers();
    for (const name of forwarded) {
      const value = ctx.requestHeader.get(name);
      if (value !== null) headers.set(name, value);
    }
    const timeoutMs = ctx.timeoutMs();
    return { headers, signal: ctx.signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  };
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes: (router) =>
      router.service(OrderService, {
        createOrder: (request, ctx) =>
          orders
            .createOrder(request, callOptions(ctx))
            .catch((error) => Promise.reject(relayed(error))),
        getOrder: (request, ctx) =>
          orders
            .getOrder(request, callOptions(ctx))
            .catch((error) => Promise.reject(relayed(error))),
        watchOrder: (request, ctx) => relayStream(orders.watchOrder(request, callOptions(ctx))),
      }),
  });
  const server: Http2Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
