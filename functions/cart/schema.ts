import * as z from 'zod';
import { maxSkuLength } from '../../shared/consistency/index.ts';
import { resourceId } from '../../shared/http/index.ts';

const isoTime = z.iso.datetime();
/** Skus are order skus too, so they follow orders' alphabet and length. */
export const sku = resourceId(Math.min(64, maxSkuLength));
export const customerId = resourceId();
/** A version vector in `formatVector`'s text; parsed (and bounded) by `parseVector`. */
const vectorText = z.string().max(4_096);

export const cartParam = z.object({ customerId });
export const itemParam = z.object({ customerId, sku });

/** The context may come as a header (`Cart-Context`) or a field; see docs/cart.md. */
export const contextHeaders = z.object({ 'cart-context': vectorText.optional() });
export const putItemBody = z.object({
  quantity: z.number().int().positive().max(10_000),
  context: vectorText.optional(),
});
export const contextQuery = z.object({ context: vectorText.optional() });

/** Money is integer minor units (cents); the client sends the prices it showed. */
export const checkoutBody = z.object({
  unitPrices: z.record(sku, z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
    .optional(),
  context: vectorText.optional(),
});
export const checkoutHeaders = contextHeaders.extend({
  'idempotency-key': z.string().trim().min(1).max(255).optional(),
});

/** `formatCart`'s JSON; `parseCart` checks the rest. */
export const cartJson = z.object({
  v: z.literal(1),
  context: vectorText,
  lines: z
    .array(
      z.union([z.tuple([z.string(), z.string()]), z.tuple([z.string(), z.string(), z.string()])]),
    )
    .max(1_000),
});

/** What a region sends the other after each change, and what the anti-entropy sweep exchanges. */
export const replicatedCart = z.object({ customerId, state: cartJson });
export const replicationMessage = replicatedCart.extend({
  /** `<region>:<customerId>:<stream version>`: one per change, the inbox key. */
  eventId: z.string().min(1).max(300),
  from: z.string().min(1).max(64),
});
export const syncBody = z.object({
  from: z.string().min(1).max(64),
  carts: z.array(replicatedCart).max(500),
});

const item = z.object({ sku, quantity: z.number().int().positive() });

/** zod schemas of the events this function writes, checked before anything is appended. */
/** A cart as every cart route answers it (the `Cart-Context` header repeats `context`). */
export const cartAnswer = z.object({
  customerId,
  items: z.array(z.looseObject({ sku: z.string(), quantity: z.number().int() })),
  context: z.string(),
  caughtUp: z.boolean(),
  conflicts: z.array(z.looseObject({ sku: z.string() })),
});

/** What a checkout answers: the order placed, and the cart after it. */
export const checkedOut = z.object({ orderId: z.string(), status: z.string(), cart: cartAnswer });

/** What `POST /replication/sync` answers: this region's carts, merged with the ones sent. */
export const syncAnswer = z.object({ from: z.string(), carts: z.array(replicatedCart) });

export const eventSchemas = {
  CartItemSet: z.object({
    sku,
    quantity: z.number().int().positive(),
    region: z.string().min(1).max(64),
    seen: vectorText,
    at: isoTime,
  }),
  CartItemRemoved: z.object({ sku, seen: vectorText, at: isoTime }),
  CartReplicaMerged: z.object({ from: z.string().min(1).max(64), state: cartJson, at: isoTime }),
  CartCheckedOut: z.object({
    orderId: z.string().min(1).max(128),
    items: z.array(item),
    seen: vectorText,
    at: isoTime,
  }),
};

/** This function's own variables (the toolkit's are added). */
export const config = z.object({
  /** This region's replica id: stable, unique per region (`eu-west`). Default `local`. */
  CART_REGION: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
    .default('local'),
  /** The other region's cart (base URL); unset: one region, nothing replicated. */
  SERVICE_CART_PEER_URL: z.url().optional(),
  /** Carts the anti-entropy sweep exchanges per call to the other region. Default 100. */
  CART_SWEEP_BATCH: z.coerce.number().int().min(1).max(500).default(100),
});
export type Config = z.infer<typeof config>;

/** Live settings: `npm run config -- set cart replication.partitioned true` cuts the link. */
export const settings = z.object({
  replication: z
    .object({
      /** Refuse replication from the other region (503): a partition switch for tests and drills. */
      partitioned: z.boolean().default(false),
    })
    .prefault({}),
});
