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
  internal: [
    'POST /reservations',
    'POST /reservations/:id/confirm',
    'POST /reservations/:id/cancel',
  ],
  routes: inventoryRoutes,
});
