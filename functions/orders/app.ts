import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/edgemesh-error.ts';
import { problemErrorHandler, problemNotFound } from '../../shared/errors/hono.ts';
import type { OutboxMessage } from '../../shared/event-store/event-store.ts';
import { healthHandler } from '../../shared/health/health.ts';
import { fingerprint } from '../../shared/http/fingerprint.ts';
import { validate } from '../../shared/http/validate.ts';
import { sagaRoutes } from '../../shared/saga/routes.ts';
import type { OrdersDeps } from './deps.ts';
import { decide, evolve, initialState, type OrderEvent, type OrderState } from './domain.ts';
import { idempotencyKey, orderView, placeOrderBody } from './schema.ts';
import { keepAlive } from '../../shared/http/keep-alive.ts';
import { isTraceparent, traceIdOfTraceparent } from '../../shared/telemetry/traceparent.ts';
import { requestScope, type TelemetryEnv } from '../../shared/telemetry/hono.ts';

/** The read model's projection name: one document per order, written with its events. */
export const ordersProjection = 'orders';

/** The stream that holds one order's events. */
export const orderStream = (orderId: string) => `order-${orderId}`;

function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parsed = idempotencyKey.safeParse(header);
  if (!parsed.success) {
    throw new EdgeMeshError('VALIDATION', 'Idempotency-Key must be 1 to 255 characters.', {
      issues: [{ path: 'header.idempotency-key', message: 'expected 1 to 255 characters' }],
    });
  }
  return parsed.data;
}

/** The orders service: place an order, read it back, sweep the outbox. */
export function createOrdersApp(deps: OrdersDeps) {
  const app = new Hono<TelemetryEnv>()
    .post('/orders', validate('json', placeOrderBody), async (c) => {
      const body = c.req.valid('json');
      const key = readIdempotencyKey(c.req.header('idempotency-key'));
      const scope = requestScope(c);
      const header = scope ? scope.headers().traceparent : c.req.header('traceparent');
      const traceparent = isTraceparent(header) ? header : undefined;
      const traceId = traceIdOfTraceparent(traceparent);
      const orderId = deps.newId();
      const at = new Date(deps.now());
      const events = decide(
        { type: 'PlaceOrder', orderId, order: body, at, ...(traceId ? { traceId } : {}) },
        initialState(),
      );
      const state = events.reduce(evolve, initialState());
      const stamped = events.map((event) => ({ ...event, id: crypto.randomUUID() }));
      const headers: Record<string, string> = traceparent ? { traceparent } : {};
      const outbox: OutboxMessage[] = stamped.map((event, index) => ({
        destination: deps.eventsDestination,
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
      const placed = stamped[0];
      if (deps.saga && placed?.type === 'OrderPlaced') {
        // The saga starts with the order: its first message commits in the same append.
        outbox.push(
          ...deps.saga.startMessages(
            orderId,
            { order: placed.data },
            { version: stamped.length, at, traceHeaders: headers },
          ),
        );
      }
      scope?.annotate({ 'order.id': orderId });
      const result = await deps.events.append(orderStream(orderId), stamped, {
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
      if (result.status === 'appended' && deps.relay) {
        keepAlive(c, deps.relay.relay(result.outbox), (p) => deps.waitUntil(p));
      }
      c.header('Location', `/orders/${placedId}`);
      return c.json({ orderId: placedId, status: 'pending' as const }, 202);
    })
    .get('/orders/:id', async (c) => {
      const orderId = c.req.param('id');
      const found = await deps.events.readDocument<Exclude<OrderState, { status: 'none' }>>(
        ordersProjection,
        orderId,
        { trace: requestScope(c) },
      );
      if (!found) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} does not exist.`);
      return c.json(orderView.parse({ ...found.doc, version: found.version }), 200);
    })
    .get('/orders/:id/saga', async (c) => {
      const orderId = c.req.param('id');
      const timeline = await deps.saga?.timeline(orderId, {
        trace: requestScope(c),
      });
      if (!timeline) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} has no saga.`);
      return c.json(timeline, 200);
    })
    .post('/outbox/sweep', async (c) => {
      if (deps.verifySchedule) {
        const signature = c.req.header('upstash-signature');
        const body = await c.req.text();
        if (!signature || !(await deps.verifySchedule(signature, body, c.req.url))) {
          throw new EdgeMeshError(
            'SIGNATURE',
            'The sweep must be triggered by a signed QStash request.',
          );
        }
      }
      if (!deps.relay) {
        throw new EdgeMeshError('UNAVAILABLE', 'No outbox publisher is configured (QSTASH_TOKEN).');
      }
      // `?minAgeMs=` relays younger rows too (after a known crash); default the relay's 10 s.
      const minAge = c.req.query('minAgeMs');
      const minAgeMs = minAge === undefined ? undefined : Number(minAge);
      if (
        minAgeMs !== undefined &&
        !(Number.isInteger(minAgeMs) && minAgeMs >= 0 && minAgeMs <= 600_000)
      ) {
        throw new EdgeMeshError(
          'VALIDATION',
          'minAgeMs must be a whole number of ms up to 600000.',
          {
            issues: [{ path: 'query.minAgeMs', message: 'expected 0 to 600000' }],
          },
        );
      }
      const report = await deps.relay.sweep({
        signal: c.req.raw.signal,
        ...(minAgeMs === undefined ? {} : { minAgeMs }),
      });
      return c.json(report, 200);
    })
    .get('/health', healthHandler(deps));
  if (deps.saga) {
    app.route(
      '/saga',
      sagaRoutes(deps.saga, {
        ...(deps.verifyMessage ? { verify: deps.verifyMessage } : {}),
        ...(deps.relay ? { relay: deps.relay } : {}),
        waitUntil: (promise) => deps.waitUntil(promise),
      }),
    );
  }
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  return app;
}

export type OrdersApp = ReturnType<typeof createOrdersApp>;
export type { OrderEvent };
