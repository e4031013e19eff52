import * as z from 'zod';
import { resourceId } from '../../shared/http/index.ts';

const sku = resourceId(64);
const id = resourceId();
const count = z.number().int().nonnegative().max(1_000_000_000);
const isoTime = z.iso.datetime();

export const skuParam = z.object({ sku });
export const idParam = z.object({ id });

export const setStockBody = z.object({ available: count });

export const reservationItem = z.object({ sku, quantity: z.number().int().positive().max(10_000) });

export const reserveBody = z.object({
  reservationId: id,
  orderId: id,
  items: z
    .array(reservationItem)
    .min(1)
    .max(100)
    .refine((items) => new Set(items.map((item) => item.sku)).size === items.length, {
      message: 'each sku at most once',
    }),
  /** How long the reservation holds before it cancels itself, ms. Default the service's. */
  ttlMs: z.number().int().min(1000).max(86_400_000).optional(),
});

export type SetStockBody = z.infer<typeof setStockBody>;
export type ReserveBody = z.infer<typeof reserveBody>;
export type ReservationItem = z.infer<typeof reservationItem>;

export const stockView = z.object({ sku, available: count, reserved: count, sold: count });
export type StockView = z.infer<typeof stockView>;

export const reservationStatus = z.enum([
  'requested',
  'held',
  'confirmed',
  'cancelled',
  'expired',
  'rejected',
]);

export const reservationView = z.object({
  reservationId: id,
  orderId: id.optional(),
  items: z.array(reservationItem),
  status: reservationStatus,
  expiresAt: isoTime.optional(),
  reason: z.string().optional(),
});
export type ReservationView = z.infer<typeof reservationView>;

/** What an expiry answers: the reservation's status after it (`unknown` when none exists). */
export const expiryResult = z.object({
  reservationId: id,
  status: z.union([reservationStatus, z.literal('unknown')]),
});

const holdEvent = z.object({ sku, reservationId: id, quantity: z.number().int().positive() });

/** zod schemas of the events inventory writes, checked before anything is appended. */
export const inventoryEventSchemas = {
  StockSet: z.object({ sku, available: count, at: isoTime }),
  StockReserved: holdEvent,
  StockReleased: holdEvent.extend({ reason: z.string().min(1).max(64) }),
  StockSold: holdEvent,
  ReservationRequested: z.object({
    reservationId: id,
    orderId: id,
    items: z.array(reservationItem).min(1),
    expiresAt: isoTime,
    at: isoTime,
  }),
  ReservationHeld: z.object({ reservationId: id, at: isoTime }),
  ReservationRejected: z.object({ reservationId: id, reason: z.string().min(1), at: isoTime }),
  ReservationConfirmed: z.object({ reservationId: id, at: isoTime }),
  /** `tombstone`: a cancel that arrived before any try (empty rollback); a later try is refused. */
  ReservationCancelled: z.object({ reservationId: id, tombstone: z.boolean(), at: isoTime }),
  ReservationExpired: z.object({ reservationId: id, at: isoTime }),
};

/** The function's own variables. */
export const inventoryConfig = z.object({
  /** How long a reservation holds unless the try says otherwise, ms. Default 60,000. */
  INVENTORY_RESERVATION_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
});
export type InventoryConfig = z.infer<typeof inventoryConfig>;
