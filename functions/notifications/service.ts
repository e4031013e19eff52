import { defineService } from '../../shared/service/index.ts';
import { notificationsRoutes } from './app.ts';
import { notificationEventSchemas, notificationsConfig } from './schema.ts';

/** Notifications: records one notification per order event, however often it is delivered. */
export default defineService({
  name: 'notifications',
  port: 8788,
  config: notificationsConfig,
  events: notificationEventSchemas,
  subscriptions: [{ topic: 'order-events', path: '/events/orders' }],
  routes: notificationsRoutes,
});
