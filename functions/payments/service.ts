import { defineService } from '../../shared/service/index.ts';
import { paymentsRoutes } from './app.ts';
import { paymentEventSchemas } from './schema.ts';

/** Payments: a TCC participant that authorizes, captures and voids or refunds. */
export default defineService({
  name: 'payments',
  port: 8790,
  events: paymentEventSchemas,
  access: {
    'POST /payments': ['orders'],
    'POST /payments/:id/confirm': ['orders'],
    'POST /payments/:id/cancel': ['orders'],
  },
  routes: paymentsRoutes,
});
