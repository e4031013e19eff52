import { Hono } from 'hono';
import { problemErrorHandler, problemNotFound } from '../../shared/errors/hono.ts';
import { healthHandler } from '../../shared/health/health.ts';
import { validate } from '../../shared/http/validate.ts';
import { consumer } from '../../shared/queue/consumer.ts';
import { deadLetterHandler, readDeadLetters } from '../../shared/queue/dead-letters.ts';
import { instrumentApp, requestScope, type TelemetryEnv } from '../../shared/telemetry/hono.ts';
import type { NotificationsDeps } from './deps.ts';
import { decide, notificationStream } from './domain.ts';
import { notification, notificationsQuery, orderEventMessage } from './schema.ts';

/** The consumer's name: its inbox scope is `inbox:notifications`. */
export const consumerName = 'notifications';

/** The notifications service: consumes order events, lists what it recorded, keeps dead letters. */
export function createNotificationsApp(deps: NotificationsDeps) {
  const app = new Hono<TelemetryEnv>()
    .post(
      '/events/orders',
      consumer({
        name: consumerName,
        schema: orderEventMessage(deps.templates),
        verify: deps.verify,
        store: deps.events,
        now: () => deps.now(),
        async handle(message) {
          const at = new Date(deps.now());
          const events = decide(
            {
              type: 'RecordNotification',
              event: message.body,
              notificationId: deps.newId(),
              ...(message.traceId ? { traceId: message.traceId } : {}),
              at,
            },
            deps.templates,
          );
          const orderId = String(message.body.data.orderId);
          message.scope?.annotate({ 'order.id': orderId });
          await message.append(notificationStream(orderId), events, {
            streamType: 'notification',
            at,
            metadata: { correlationId: orderId },
          });
        },
      }),
    )
    .post(
      '/dead-letters',
      deadLetterHandler({
        name: consumerName,
        verify: deps.verify,
        store: deps.events,
        now: () => deps.now(),
      }),
    )
    .get('/dead-letters', async (c) =>
      c.json({ deadLetters: await readDeadLetters(deps.events, consumerName) }, 200),
    )
    .get('/notifications', validate('query', notificationsQuery), async (c) => {
      const { orderId } = c.req.valid('query');
      const events = await deps.events.readStream(notificationStream(orderId), {
        signal: c.req.raw.signal,
        trace: requestScope(c),
      });
      const notifications = events.map((event) => notification.parse(event.data));
      return c.json({ orderId, notifications }, 200);
    })
    .get('/health', healthHandler(deps));
  // Instrumented, the telemetry middleware logs 5xx through its redacting logger.
  app.onError(problemErrorHandler(deps.telemetry ? { onServerError: () => {} } : {}));
  app.notFound(problemNotFound);
  return app;
}

/** The app with tracing and `GET /metrics` when deps carry telemetry; what the entries serve. */
export function notificationsService(deps: NotificationsDeps): Hono {
  const app = createNotificationsApp(deps);
  return deps.telemetry ? instrumentApp(app, deps.telemetry) : (app as unknown as Hono);
}

export type NotificationsApp = ReturnType<typeof createNotificationsApp>;
