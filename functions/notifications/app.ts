import { Hono } from 'hono';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import { consumeAck, type ServiceDeps, type ServiceEnv } from '../../shared/service/index.ts';
import { requestScope } from '../../shared/telemetry/index.ts';
import { decide, notificationStream } from './domain.ts';
import {
  defaultTemplates,
  notification,
  notificationList,
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
      operation({
        summary: 'Order events from the order-events topic (QStash)',
        responses: { 200: { description: 'Handled, or a duplicate', body: consumeAck } },
      }),
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
    .get(
      '/notifications',
      operation({
        summary: 'The notifications recorded for an order, once per event',
        responses: { 200: { description: 'The notifications', body: notificationList } },
      }),
      validate('query', notificationsQuery),
      async (c) => {
        const { orderId } = c.req.valid('query');
        const events = await deps.events.readStream(notificationStream(orderId), {
          signal: c.req.raw.signal,
          trace: requestScope(c),
        });
        const notifications = events.map((event) => notification.parse(event.data));
        return c.json({ orderId, notifications }, 200);
      },
    );
}
