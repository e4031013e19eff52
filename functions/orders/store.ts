import type { OrderView } from './schema.ts';

/** An Idempotency-Key and a fingerprint of the request it came with. */
export interface IdempotencyClaim {
  key: string;
  requestHash: string;
}

export type PlaceResult =
  | { outcome: 'created'; orderId: string }
  | { outcome: 'replayed'; orderId: string }
  | { outcome: 'mismatch'; orderId: string };

/** Where orders live. */
export interface OrderStore {
  /** Stores a new order; with a claim, a repeated key returns the first order instead. */
  place(order: OrderView, claim?: IdempotencyClaim): Promise<PlaceResult>;
  get(orderId: string): Promise<OrderView | undefined>;
}

/** In-memory OrderStore for unit tests. */
export function memoryOrderStore(): OrderStore {
  const orders = new Map<string, OrderView>();
  const claims = new Map<string, { requestHash: string; orderId: string }>();
  return {
    place(order, claim) {
      if (claim) {
        const existing = claims.get(claim.key);
        if (existing) {
          const outcome = existing.requestHash === claim.requestHash ? 'replayed' : 'mismatch';
          return Promise.resolve({ outcome, orderId: existing.orderId });
        }
        claims.set(claim.key, { requestHash: claim.requestHash, orderId: order.orderId });
      }
      orders.set(order.orderId, structuredClone(order));
      return Promise.resolve({ outcome: 'created', orderId: order.orderId });
    },
    get(orderId) {
      const order = orders.get(orderId);
      return Promise.resolve(order ? structuredClone(order) : undefined);
    },
  };
}
