import { defineService } from '../../shared/service/index.ts';
import { shippingRoutes } from './app.ts';
import { eventSchemas } from './schema.ts';

/** Shipping: ships each confirmed order once, however often its event arrives. */
export default defineService({
  name: 'shipping',
  port: 8791,
  events: eventSchemas,
  subscriptions: [{ topic: 'order-events', path: '/events/order-events' }],
  routes: shippingRoutes,
});
