import * as z from 'zod';
import { resourceId } from '../../shared/http/index.ts';

const id = resourceId();
const isoTime = z.iso.datetime();
const item = z.object({ sku: resourceId(64), quantity: z.number().int().positive() });

/** What a shipment is: an order's items, for its customer. */
export const shipment = z.object({
  shipmentId: id,
  orderId: id,
  customerId: id,
  items: z.array(item).min(1),
});
export type Shipment = z.infer<typeof shipment>;

export const idParam = z.object({ id });
export const shipmentsQuery = z.object({ orderId: id });
export const shipmentView = shipment.extend({
  status: z.enum(['pending', 'dispatched']),
  createdAt: isoTime,
  dispatchedAt: isoTime.optional(),
});

/** What `GET /shipments` answers. */
export const shipmentList = z.object({ orderId: id, shipments: z.array(shipmentView) });

/** zod schemas of the events this function writes, checked before anything is appended. */
export const eventSchemas = {
  ShipmentCreated: shipment.extend({ at: isoTime }),
  ShipmentDispatched: z.object({ shipmentId: id, at: isoTime }),
};

/** An `order-events` message; only `OrderConfirmed` (which carries customer and items) matters here. */
export const orderEvent = z.object({
  eventId: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  data: z.looseObject({
    orderId: id,
    customerId: id.optional(),
    items: z.array(item.loose()).optional(),
  }),
});
