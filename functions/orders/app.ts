import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import { sagaRoutes, sagaTimelineSchema, type SagaOrchestrator } from '../../shared/saga/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { requestScope } from '../../shared/telemetry/index.ts';
import { placeOrder, readOrder } from './place-order.ts';
import { orderRpcRoutes } from './rpc.ts';
import { type OrderSagaInput } from './saga.ts';
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
        const placedId = await placeOrder(deps, c, {
          order: c.req.valid('json'),
          idempotencyKey: c.req.valid('header')['idempotency-key'],
        });
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
        return c.json(await readOrder(deps, c, c.req.valid('param').id), 200);
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
  app.route('/', orderRpcRoutes(deps));
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
