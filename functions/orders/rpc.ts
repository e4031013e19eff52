import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  Code,
  ConnectError,
  createConnectRouter,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type ServiceImpl,
} from '@connectrpc/connect';
import {
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from '@connectrpc/connect/protocol';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { EdgeMeshError, isEdgeMeshError, type ErrorCode } from '../../shared/errors/index.ts';
import { fieldIssues } from '../../shared/http/index.ts';
import { describedElsewhere } from '../../shared/openapi/index.ts';
import type { DeadlineVariables } from '../../shared/http/index.ts';
import type { ServiceEnv } from '../../shared/service/index.ts';
import type { OrdersDeps } from './app.ts';
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
} from './gen/google/rpc/error_details_pb.ts';
import {
  OrderSchema,
  OrderService,
  OrderStatus,
  type Order,
  type OrderRequest,
} from './gen/edgemesh/orders/v1/orders_pb.ts';
import { placeOrder, readOrder } from './place-order.ts';
import { idempotencyKey, placeOrderBody, type OrderView } from './schema.ts';

/** How often WatchOrder reads the order again while it is pending. */
const watchIntervalMs = 250;

/** The Hono context of the HTTP request an RPC came in on: its telemetry scope, its outbox. */
const httpContext = createContextKey<Context | undefined>(undefined, { description: 'hono' });

/** Each edgemesh error code as the gRPC/Connect code a client of those protocols expects. */
const rpcCodes: Record<ErrorCode, Code> = {
  VALIDATION: Code.InvalidArgument,
  UNAUTHORIZED: Code.Unauthenticated,
  SIGNATURE: Code.Unauthenticated,
  PAYMENT_DECLINED: Code.FailedPrecondition,
  FORBIDDEN: Code.PermissionDenied,
  NOT_FOUND: Code.NotFound,
  METHOD_NOT_ALLOWED: Code.Unimplemented,
  CONFLICT: Code.Aborted,
  CONCURRENCY: Code.Aborted,
  IDEMPOTENCY_MISMATCH: Code.AlreadyExists,
  OUT_OF_STOCK: Code.FailedPrecondition,
  RESERVATION_EXPIRED: Code.FailedPrecondition,
  PAYLOAD_TOO_LARGE: Code.ResourceExhausted,
  UNSUPPORTED_MEDIA_TYPE: Code.InvalidArgument,
  RATE_LIMITED: Code.ResourceExhausted,
  UNPROCESSABLE_MESSAGE: Code.InvalidArgument,
  INTERNAL: Code.Internal,
  CONFIG: Code.Internal,
  UPSTREAM: Code.Unavailable,
  CIRCUIT_OPEN: Code.Unavailable,
  UNAVAILABLE: Code.Unavailable,
  TIMEOUT: Code.DeadlineExceeded,
};

/** `items.0.unitPrice` (the REST body's path) as the request field `items[0].unit_price`. */
function protoField(path: string): string {
  return path
    .split('.')
    .map((segment) =>
      /^\d+$/.test(segment)
        ? `[${segment}]`
        : segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    )
    .join('.')
    .replaceAll('.[', '[');
}

/**
 * An edgemesh error as a ConnectError: its code mapped, its edgemesh code in `edgemesh-code`
 * metadata, and a VALIDATION's fields as `google.rpc.BadRequest` field violations.
 */
function rpcError(error: unknown): unknown {
  if (error instanceof ConnectError || !isEdgeMeshError(error)) return error;
  const details =
    error.issues.length > 0
      ? [
          {
            desc: BadRequestSchema,
            value: create(BadRequestSchema, {
              fieldViolations: error.issues.map((issue) =>
                create(BadRequest_FieldViolationSchema, {
                  field: protoField(issue.path),
                  description: issue.message,
                }),
              ),
            }),
          },
        ]
      : [];
  return new ConnectError(
    error.message,
    rpcCodes[error.code],
    { 'edgemesh-code': error.code },
    details,
  );
}

/** The REST body an OrderRequest stands for, validated by the same schema as `POST /orders`. */
function orderOf(request: OrderRequest) {
  const parsed = placeOrderBody.safeParse({
    customerId: request.customerId,
    items: request.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: Number(item.unitPrice),
    })),
    ...(request.currency === '' ? {} : { currency: request.currency }),
  });
  if (parsed.success) return parsed.data;
  const issues = fieldIssues(parsed.error);
  throw rpcError(
    new EdgeMeshError(
      'VALIDATION',
      `Invalid request: ${issues.map((issue) => protoField(issue.path)).join(', ')}.`,
      { issues },
    ),
  );
}

const statuses = {
  pending: OrderStatus.PENDING,
  confirmed: OrderStatus.CONFIRMED,
  cancelled: OrderStatus.CANCELLED,
} as const;

function orderMessage(view: OrderView): Order {
  return create(OrderSchema, {
    orderId: view.orderId,
    status: statuses[view.status],
    customerId: view.customerId,
    items: view.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: BigInt(item.unitPrice),
    })),
    total: BigInt(view.total),
    currency: view.currency,
    reason: view.reason ?? '',
    traceId: view.traceId ?? '',
    version: view.version,
    history: view.history.map((entry) => ({
      type: entry.type,
      at: timestampFromDate(new Date(entry.at)),
    })),
  });
}

/** The Hono context of this call; the deadline of the RPC (`grpc-timeout`, `connect-timeout-ms`) becomes its edgemesh deadline. */
function contextOf(ctx: HandlerContext): Context<ServiceEnv> {
  const c = ctx.values.get(httpContext);
  if (!c) throw new ConnectError('no HTTP context', Code.Internal);
  const timeoutMs = ctx.timeoutMs();
  if (timeoutMs !== undefined) {
    const vars = c as unknown as Context<{ Variables: DeadlineVariables }>;
    vars.set('deadline', Date.now() + timeoutMs);
    vars.set('deadlineSignal', ctx.signal);
  }
  return c as Context<ServiceEnv>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });
}

function orderService(deps: OrdersDeps): ServiceImpl<typeof OrderService> {
  return {
    async createOrder(request, ctx) {
      const c = contextOf(ctx);
      const key = ctx.requestHeader.get('idempotency-key') ?? undefined;
      const checkedKey = key === undefined ? undefined : idempotencyKey.safeParse(key);
      if (checkedKey && !checkedKey.success) {
        throw rpcError(
          new EdgeMeshError('VALIDATION', 'idempotency-key must be 1 to 255 characters.', {
            issues: [{ path: 'idempotency-key', message: 'expected 1 to 255 characters' }],
          }),
        );
      }
      try {
        const orderId = await placeOrder(deps, c, {
          order: orderOf(request),
          idempotencyKey: checkedKey?.data,
          signal: ctx.signal,
        });
        ctx.responseHeader.set('location', `/orders/${orderId}`);
        return { orderId, status: OrderStatus.PENDING };
      } catch (error) {
        throw rpcError(error);
      }
    },
    async getOrder(request, ctx) {
      try {
        return {
          order: orderMessage(await readOrder(deps, contextOf(ctx), request.orderId, ctx.signal)),
        };
      } catch (error) {
        throw rpcError(error);
      }
    },
    async *watchOrder(request, ctx) {
      const c = contextOf(ctx);
      let sent: OrderView | undefined;
      try {
        for (;;) {
          const view = await readOrder(deps, c, request.orderId, ctx.signal);
          if (view.status !== sent?.status || view.version !== sent.version) {
            sent = view;
            yield { order: orderMessage(view) };
          }
          if (view.status !== 'pending') return;
          await sleep(watchIntervalMs, ctx.signal);
        }
      } catch (error) {
        throw rpcError(error);
      }
    },
  };
}

/** The path of each OrderService method: `/edgemesh.orders.v1.OrderService/<Method>`. */
export const orderRpcPath = (method: keyof typeof OrderService.method) =>
  `/${OrderService.typeName}/${OrderService.method[method].name}` as const;

/**
 * OrderService over Connect (JSON and binary) and gRPC-Web, as Hono routes next to the REST
 * ones: each request goes through the same middleware (telemetry, guards, rate limits) and the same
 * domain code as `POST /orders` and `GET /orders/:id`.
 */
export function orderRpcRoutes(deps: OrdersDeps): Hono<ServiceEnv> {
  // Native gRPC needs HTTP/2 trailers, which a fetch handler's Response cannot carry:
  // `application/grpc` gets 415 rather than a response every gRPC client would misread.
  const router = createConnectRouter({ grpc: false }).service(OrderService, orderService(deps));
  const app = new Hono<ServiceEnv>();
  for (const handler of router.handlers) {
    app.on(handler.allowedMethods, handler.requestPath, describedElsewhere(), async (c) => {
      // Guards in front may have read the body already; hand Connect the bytes again.
      const raw = c.req.raw;
      const request = new Request(raw.url, {
        method: raw.method,
        headers: raw.headers,
        signal: raw.signal,
        ...(raw.method === 'GET' ? {} : { body: await c.req.arrayBuffer() }),
      });
      const universal = universalServerRequestFromFetch(request, {});
      const response = await handler({
        ...universal,
        contextValues: createContextValues().set(httpContext, c),
      });
      return universalServerResponseToFetch(response);
    });
  }
  return app;
}
