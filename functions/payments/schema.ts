import * as z from 'zod';
import { resourceId } from '../../shared/http/index.ts';

const id = resourceId();
const isoTime = z.iso.datetime();
/** Money is integer minor units (cents). */
const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD');

export const idParam = z.object({ id });

export const authorizeBody = z.object({
  paymentId: id,
  orderId: id,
  customerId: id,
  amount,
  currency,
});
export type AuthorizeBody = z.infer<typeof authorizeBody>;

export const paymentStatus = z.enum(['authorized', 'declined', 'captured', 'voided', 'refunded']);

export const paymentView = z.object({
  paymentId: id,
  orderId: id.optional(),
  customerId: id.optional(),
  amount: z.number().int().nonnegative().optional(),
  currency: z.string().optional(),
  status: paymentStatus,
  reason: z.string().optional(),
  capturedAt: isoTime.optional(),
});
export type PaymentView = z.infer<typeof paymentView>;

const payment = { paymentId: id, at: isoTime };

/** zod schemas of the events payments writes, checked before anything is appended. */
export const paymentEventSchemas = {
  PaymentAuthorized: z.object({ ...payment, orderId: id, customerId: id, amount, currency }),
  PaymentDeclined: z.object({
    ...payment,
    orderId: id,
    customerId: id,
    amount,
    currency,
    reason: z.string().min(1).max(64),
  }),
  PaymentCaptured: z.object({ ...payment, amount }),
  /** `tombstone`: a cancel that arrived before its authorization (empty rollback); a later one is refused. */
  PaymentVoided: z.object({ ...payment, tombstone: z.boolean() }),
  PaymentRefunded: z.object({ ...payment, amount }),
};
