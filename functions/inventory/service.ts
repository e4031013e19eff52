import { defineService } from '../../shared/service/index.ts';
import { inventoryRoutes } from './app.ts';
import { inventoryConfig, inventoryEventSchemas } from './schema.ts';

/** Inventory: stock per sku, and reservations as a try/confirm/cancel participant. */
export default defineService({
  name: 'inventory',
  port: 8787,
  config: inventoryConfig,
  events: inventoryEventSchemas,
  outbox: true,
  access: {
    'PUT /stock/:sku': ['operator'],
    'POST /reservations': ['orders'],
    'POST /reservations/:id/confirm': ['orders'],
    'POST /reservations/:id/cancel': ['orders'],
  },
  routes: inventoryRoutes,
});
