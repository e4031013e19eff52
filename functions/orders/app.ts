import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { OutboxMessage } from '../../shared/event-store/index.ts';
import { fingerprint, validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import { sagaRoutes, sagaTimelineSchema, type SagaOrchestrator } from '../../shared/saga/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { requestScope, traceIdOfTraceparent, isTraceparent } from '../../shared/telemetry/index.ts';
import { decide, evolve, initialState, type OrderState } from './domain.ts';
import { orderStream, ordersProjection, type OrderSagaInput } from './saga.ts';
import {
  orderIdParam,
  orderView,
  placedOrder,
  placeOrderBody,
  placeOrderHeaders,
  type OrdersConfig,
} from './schema.ts';

/** What the orders routes use: the toolkit's deps and the place-order saga, when it can run. */
export type OrdersDeps = ServiceDeps<OrdersConfig> & {
  saga: SagaOrchestrator<OrderSagaInput> | undefined;
};

/** The orders service: place an order (its saga starts in the same append), read it back. */
export function ordersRoutes(deps: OrdersDeps) {
  const app = new Hono<ServiceEnv>()
    .post(
      '/orders',
      operation({
        summary: 'Place an order; its saga reserves stock and takes payment',
        responses: {
          202: {
            description: 'Placed (or placed before with this Idempotency-Key and body)',
            body: placedOrder,
            headers: { Location: 'The order, `/orders/{orderId}`' },
          },
          409: 'IDEMPOTENCY_MISMATCH: this Idempotency-Key was used with another body',
        },
      }),
      validate('header', placeOrderHeaders),
      validate('json', placeOrderBody),
      async (c) => {
        const body = c.req.valid('json');
        const key = c.req.valid('header')['idempotency-key'];
        const scope = requestScope(c);
        const header = scope ? scope.headers().traceparent : c.req.header('traceparent');
        const traceparent = isTraceparent(header) ? header : undefined;
        const traceId = traceIdOfTraceparent(traceparent);
        const orderId = deps.newId();
        const at = new Date(deps.now());
        const placed = decide(
          { type: 'PlaceOrder', orderId, order: body, at, ...(traceId ? { traceId } : {}) },
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
        const result = await deps.events.append(orderStream(orderId), events, {
          streamType: 'order',
          expectedVersion: 'no_stream',
          at,
          metadata: { correlationId: orderId, ...headers },
          documents: [{ projection: ordersProjection, id: orderId, doc: state }],
          outbox,
          ...(key
            ? { idempotency: { scope: 'orders', key, requestHash: await fingerprint(body) } }
            : {}),
          trace: scope,
        });
        const placedId =
          result.status === 'appended' ? orderId : result.streamId.slice('order-'.length);
        if (result.status === 'mismatch') {
          throw new EdgeMeshError(
            'IDEMPOTENCY_MISMATCH',
            'This Idempotency-Key was used for a different order request.',
            { extensions: { orderId: placedId } },
          );
        }
        if (result.status === 'appended') deps.outbox.afterCommit(c, result.outbox);
        c.header('Location', `/orders/${placedId}`);
        return c.json({ orderId: placedId, status: 'pending' as const }, 202);
      },
    )
    .get(
      '/orders/:id',
      operation({
        summary: 'Read an order: status, items, total and history',
        responses: { 200: { description: 'The order', body: orderView }, 404: 'NOT_FOUND' },
      }),
      validate('param', orderIdParam),
      async (c) => {
        const orderId = c.req.valid('param').id;
        const found = await deps.events.readDocument<Exclude<OrderState, { status: 'none' }>>(
          ordersProjection,
          orderId,
          { trace: requestScope(c) },
        );
        if (!found) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} does not exist.`);
        return c.json(orderView.parse({ ...found.doc, version: found.version }), 200);
      },
    )
    .get(
      '/orders/:id/saga',
      operation({
        summary: "The order saga's timeline: each step's status, attempts and times",
        responses: {
          200: { description: 'The timeline', body: sagaTimelineSchema },
          404: 'NOT_FOUND: no such order (or its saga has not started)',
        },
      }),
      validate('param', orderIdParam),
      async (c) => {
        const orderId = c.req.valid('param').id;
        const timeline = await deps.saga?.timeline(orderId, { trace: requestScope(c) });
        if (!timeline) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} has no saga.`);
        return c.json(timeline, 200);
      },
    );
  if (deps.saga) {
    app.route(
      '/saga',
      sagaRoutes(deps.saga, {
        ...(deps.qstashVerifier ? { verify: sagaVerifier(deps) } : {}),
        ...(deps.outbox.relay ? { relay: deps.outbox.relay } : {}),
        waitUntil: deps.waitUntil,
      }),
    );
  }
  return app;
}

function sagaVerifier(deps: OrdersDeps) {
  const verify = deps.qstashVerifier!;
  return (signature: string, body: string, url: string) => verify({ signature, body, url });
}

export type OrdersApp = ReturnType<typeof ordersRoutes>;
