import { defineService } from '../../shared/service/index.ts';
import { shippingRoutes } from './app.ts';
import { config, eventSchemas } from './schema.ts';

/** shipping: what it is for, in one line. */
export default defineService({
  name: 'shipping',
  port: 8791,
  config,
  events: eventSchemas,
  subscriptions: [{ topic: 'order-events', path: '/events/order-events' }],
  routes: shippingRoutes,
});
