import type { Context } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { OutboxMessage } from '../../shared/event-store/index.ts';
import { fingerprint, keepAlive } from '../../shared/http/index.ts';
import { requestScope, traceIdOfTraceparent, isTraceparent } from '../../shared/telemetry/index.ts';
import type { OrdersDeps } from './app.ts';
import { decide, evolve, initialState, type OrderState } from './domain.ts';
import { orderStream, ordersProjection } from './saga.ts';
import { orderView, type OrderView, type PlaceOrderBody } from './schema.ts';

/** How an order was asked for, whatever the protocol: its key and the request it came in. */
export interface PlaceOrderRequest {
  order: PlaceOrderBody;
  idempotencyKey?: string | undefined;
  /** Aborts before the append when the caller's deadline passes. */
  signal?: AbortSignal | undefined;
}

/**
 * Places an order: its events, its read model, its outbox and its saga's first message in one
 * append. REST (`POST /orders`) and RPC (`CreateOrder`) both come here, so an order is the same
 * order however it was placed. Answers the order's id (the first one placed with this key).
 */
export async function placeOrder(
  deps: OrdersDeps,
  c: Context,
  { order, idempotencyKey, signal }: PlaceOrderRequest,
): Promise<string> {
  const scope = requestScope(c);
  const header = scope ? scope.headers().traceparent : c.req.header('traceparent');
  const traceparent = isTraceparent(header) ? header : undefined;
  const traceId = traceIdOfTraceparent(traceparent);
  const orderId = deps.newId();
  const at = new Date(deps.now());
  const placed = decide(
    { type: 'PlaceOrder', orderId, order, at, ...(traceId ? { traceId } : {}) },
    initialState(),
  );
  const state = placed.reduce(evolve, initialState());
  const events = placed.map((event) => ({ ...event, id: deps.newId() }));
  // tracestate goes with it: it carries, e.g., the chaos experiment the order belongs to.
  const tracestate = scope ? scope.headers().tracestate : c.req.header('tracestate');
  const headers: Record<string, string> = traceparent
    ? { traceparent, ...(tracestate ? { tracestate } : {}) }
    : {};
  const outbox: OutboxMessage[] = events.map((event, index) => ({
    destination: deps.config.ORDERS_EVENTS_DESTINATION,
    body: {
      eventId: event.id,
      type: event.type,
      streamId: orderStream(orderId),
      streamVersion: index + 1,
      occurredAt: at.toISOString(),
      data: event.data,
    },
    headers,
  }));
  const first = events[0];
  if (deps.saga && first?.type === 'OrderPlaced') {
    // The saga starts with the order: its first message commits in the same append.
    const start = { version: events.length, at, traceHeaders: headers };
    outbox.push(...deps.saga.startMessages(orderId, { order: first.data }, start));
  }
  scope?.annotate({ 'order.id': orderId });
  // A deadline spent before the append fails the call; once appending, the order is placed.
  signal?.throwIfAborted();
  const result = await deps.events.append(orderStream(orderId), events, {
    streamType: 'order',
    expectedVersion: 'no_stream',
    at,
    metadata: { correlationId: orderId, ...headers },
    documents: [{ projection: ordersProjection, id: orderId, doc: state }],
    outbox,
    ...(idempotencyKey
      ? {
          idempotency: {
            scope: 'orders',
            key: idempotencyKey,
            requestHash: await fingerprint(order),
          },
        }
      : {}),
    trace: scope,
  });
  const placedId = result.status === 'appended' ? orderId : result.streamId.slice('order-'.length);
  if (result.status === 'mismatch') {
    throw new EdgeMeshError(
      'IDEMPOTENCY_MISMATCH',
      'This Idempotency-Key was used for a different order request.',
      { extensions: { orderId: placedId } },
    );
  }
  if (result.status === 'appended') {
    const relay = deps.outbox.relay;
    // The saga's first step runs inline after the answer; its row is the recovery if it dies.
    if (deps.saga && relay) {
      const drive = deps.saga.drive(result.outbox, { relay, scope, traceHeaders: headers });
      keepAlive(c, drive, deps.waitUntil);
    } else deps.outbox.afterCommit(c, result.outbox);
  }
  return placedId;
}

/** Reads an order's read model, or throws NOT_FOUND. */
export async function readOrder(
  deps: OrdersDeps,
  c: Context,
  orderId: string,
  signal?: AbortSignal,
): Promise<OrderView> {
  const found = await deps.events.readDocument<Exclude<OrderState, { status: 'none' }>>(
    ordersProjection,
    orderId,
    { trace: requestScope(c), ...(signal ? { signal } : {}) },
  );
  if (!found) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} does not exist.`);
  return orderView.parse({ ...found.doc, version: found.version });
}
