import {
  commandHandler,
  type EventStore,
  type OutboxMessage,
} from '../../shared/event-store/index.ts';
import { cartStreamId, evolve, initialState, type CartEvent, type StoredCart } from './domain.ts';

/** The read model the carts are kept in: one document per customer, `formatCart`'s JSON. */
export const cartsDocument = 'carts';

/** Read → decide → append with the expected version, retried on a lost race. */
export const carts = commandHandler<StoredCart, CartEvent>({
  streamType: 'cart',
  streamId: cartStreamId,
  initialState,
  evolve,
  stateDocument: cartsDocument,
});

/** This region and, when replicated, the other region's cart (base URL). */
export interface Regions {
  readonly self: string;
  readonly peerUrl?: string | undefined;
}

/** The outbox message that carries a cart's new state to the other region. */
export function replicationOf(
  { self, peerUrl }: Regions,
  customerId: string,
): (change: { after: StoredCart; version: number }) => OutboxMessage[] {
  return ({ after, version }) =>
    peerUrl
      ? [
          {
            destination: `${peerUrl.replace(/\/$/, '')}/replication/carts`,
            body: {
              eventId: `${self}:${customerId}:${version}`,
              from: self,
              customerId,
              state: after,
            },
          },
        ]
      : [];
}

/** Stored carts by customer (missing ones empty). */
export async function readCarts(
  store: EventStore,
  customerIds: readonly string[],
): Promise<Map<string, StoredCart>> {
  const docs = await store.readDocuments<StoredCart>(cartsDocument, customerIds);
  const found = new Map(docs.map((doc) => [doc.id, doc.doc]));
  return new Map(customerIds.map((id) => [id, found.get(id) ?? initialState()]));
}
