import * as z from 'zod';
import { resourceId } from '../../shared/http/index.ts';
import { sagaFaultPoints } from '../../shared/chaos/index.ts';

/** Money is integer minor units (cents). */
const minorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const orderItem = z.object({
  sku: resourceId(64),
  quantity: z.number().int().positive().max(10_000),
  unitPrice: minorUnits,
});

/** `:id` of the order routes. */
export const orderIdParam = z.object({ id: resourceId() });

export const placeOrderBody = z.object({
  customerId: resourceId(),
  items: z
    .array(orderItem)
    .min(1)
    .max(100)
    .refine(
      (items) =>
        items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) <=
        Number.MAX_SAFE_INTEGER,
      { message: 'the order total is too large' },
    ),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
    .default('USD'),
});

export const idempotencyKey = z.string().trim().min(1).max(255);

/** Headers of `POST /orders`: an optional `Idempotency-Key` of 1 to 255 characters. */
export const placeOrderHeaders = z.object({ 'idempotency-key': idempotencyKey.optional() });

export const orderStatus = z.enum(['pending', 'confirmed', 'cancelled']);

export const orderEvent = z.object({
  type: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const orderView = z.object({
  orderId: z.string(),
  customerId: z.string(),
  items: z.array(orderItem),
  total: minorUnits,
  currency: z.string(),
  status: orderStatus,
  reason: z.string().optional(),
  /** Trace id of the request that placed the order: the whole saga is one trace. */
  traceId: z.string().optional(),
  version: z.number().int().positive(),
  history: z.array(orderEvent),
});

/** What `POST /orders` answers: the order, placed and pending while its saga runs. */
export const placedOrder = z.object({ orderId: z.string(), status: z.literal('pending') });

export type OrderItem = z.infer<typeof orderItem>;
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;
export type OrderStatus = z.infer<typeof orderStatus>;
export type OrderEvent = z.infer<typeof orderEvent>;
export type OrderView = z.infer<typeof orderView>;

const isoTime = z.iso.datetime();

/** zod schemas of the events orders writes, checked before anything is appended. */
export const orderEventSchemas = {
  OrderPlaced: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderItem).min(1),
    total: minorUnits,
    currency: z.string().regex(/^[A-Z]{3}$/),
    placedAt: isoTime,
    traceId: z
      .string()
      .regex(/^[\da-f]{32}$/)
      .optional(),
  }),
  OrderConfirmed: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderItem).min(1),
    total: minorUnits,
    currency: z.string().regex(/^[A-Z]{3}$/),
    confirmedAt: isoTime,
  }),
  OrderCancelled: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    reason: z.string().min(1).max(500),
    cancelledAt: isoTime,
  }),
};

/** The function's own variables. */
export const ordersConfig = z.object({
  /** Where order events go: a QStash topic (URL group), or a URL. Default `order-events`. */
  ORDERS_EVENTS_DESTINATION: z.string().trim().min(1).default('order-events'),
  /** A saga whose tries have not all succeeded after this long is cancelled (`timeout`), ms. Default 30,000. */
  ORDERS_SAGA_DEADLINE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30_000),
  /** How long inventory holds an order's stock unless confirmed, ms. Default 60,000. */
  ORDERS_RESERVATION_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** Tests and chaos only: crash once at these points of every saga message (comma-separated). */
  SAGA_FAULTS: z
    .string()
    .trim()
    .refine(
      (value) =>
        value
          .split(',')
          .every((point) => sagaFaultPoints.includes(point.trim() as never) || point.trim() === ''),
      {
        message: `expected a comma-separated list of ${sagaFaultPoints.join(', ')}`,
      },
    )
    .optional(),
});
export type OrdersConfig = z.infer<typeof ordersConfig>;
