// The messaging topology the reference functions declare, as `npm start` gathers it.
import inventory from '../../functions/inventory/service.ts';
import notifications from '../../functions/notifications/service.ts';
import orders from '../../functions/orders/service.ts';
import payments from '../../functions/payments/service.ts';
import { topologyOf } from '../../shared/service/index.ts';

export const referenceTopology = topologyOf(
  [orders, inventory, notifications, payments].map((service) => service.definition),
);
