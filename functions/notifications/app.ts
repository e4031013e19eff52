import { Hono } from 'hono';
import { validate } from '../../shared/http/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { requestScope } from '../../shared/telemetry/index.ts';
import { decide, notificationStream } from './domain.ts';
import {
  defaultTemplates,
  notification,
  notificationsQuery,
  orderEventMessage,
  type NotificationsConfig,
} from './schema.ts';

/** Notifications: one notification per order event however often it arrives, listed by order. */
export function notificationsRoutes(deps: ServiceDeps<NotificationsConfig>) {
  const templates = { ...defaultTemplates, ...deps.config.NOTIFICATIONS_TEMPLATES };
  return new Hono<ServiceEnv>()
    .post(
      '/events/orders',
      deps.consume({
        schema: orderEventMessage(templates),
        async handle(message) {
          const at = new Date(deps.now());
          const orderId = String(message.body.data.orderId);
          const { traceId } = message;
          const events = decide(
            {
              type: 'RecordNotification',
              event: message.body,
              notificationId: deps.newId(),
              at,
              ...(traceId ? { traceId } : {}),
            },
            templates,
          );
          message.scope?.annotate({ 'order.id': orderId });
          await message.append(notificationStream(orderId), events, {
            streamType: 'notification',
            at,
            metadata: { correlationId: orderId },
          });
        },
      }),
    )
    .get('/notifications', validate('query', notificationsQuery), async (c) => {
      const { orderId } = c.req.valid('query');
      const events = await deps.events.readStream(notificationStream(orderId), {
        signal: c.req.raw.signal,
        trace: requestScope(c),
      });
      const notifications = events.map((event) => notification.parse(event.data));
      return c.json({ orderId, notifications }, 200);
    });
}
