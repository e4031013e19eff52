import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/edgemesh-error.ts';
import { problemErrorHandler, problemNotFound } from '../../shared/errors/hono.ts';
import { checkHealth } from '../../shared/health/health.ts';
import { fingerprint } from '../../shared/http/fingerprint.ts';
import { validate } from '../../shared/http/validate.ts';
import type { OrdersDeps } from './deps.ts';
import { placeOrder } from './domain.ts';
import { idempotencyKey, placeOrderBody } from './schema.ts';

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

/** The orders service: place an order, read it back. */
export function createOrdersApp(deps: OrdersDeps) {
  const app = new Hono()
    .post('/orders', validate('json', placeOrderBody), async (c) => {
      const body = c.req.valid('json');
      const key = readIdempotencyKey(c.req.header('idempotency-key'));
      const order = placeOrder({
        type: 'PlaceOrder',
        orderId: deps.newId(),
        order: body,
        at: new Date(deps.now()),
      });
      const claim = key ? { key, requestHash: await fingerprint(body) } : undefined;
      const result = await deps.store.place(order, claim);
      if (result.outcome === 'mismatch') {
        throw new EdgeMeshError(
          'IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used for a different order request.',
          { extensions: { orderId: result.orderId } },
        );
      }
      c.header('Location', `/orders/${result.orderId}`);
      return c.json({ orderId: result.orderId, status: 'pending' as const }, 202);
    })
    .get('/orders/:id', async (c) => {
      const orderId = c.req.param('id');
      const order = await deps.store.get(orderId);
      if (!order) throw new EdgeMeshError('NOT_FOUND', `Order ${orderId} does not exist.`);
      return c.json(order, 200);
    })
    .get('/health', async (c) => {
      const report = await checkHealth(deps.service, deps.healthChecks, { now: () => deps.now() });
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  return app;
}

export type OrdersApp = ReturnType<typeof createOrdersApp>;
