import { defineService } from '../../shared/service/index.ts';
import { paymentsRoutes } from './app.ts';
import { paymentEventSchemas } from './schema.ts';

/** Payments: a TCC participant that authorizes, captures and voids or refunds. */
export default defineService({
  name: 'payments',
  port: 8790,
  events: paymentEventSchemas,
  internal: ['POST /payments', 'POST /payments/:id/confirm', 'POST /payments/:id/cancel'],
  routes: paymentsRoutes,
});
