import {
  applyPut,
  applyRemove,
  emptyCart,
  formatCart,
  formatVector,
  mergeCarts,
  parseCart,
  parseVector,
  type CartItem,
  type CartJson,
  type CartState,
  type VersionVector,
} from '../../shared/consistency/index.ts';

// One stream per customer's cart in each region. Each region keeps its own events; what it
// learns from the other region arrives as one merge event. Time comes in with the command.

export type CartCommand =
  | {
      type: 'SetItem';
      sku: string;
      quantity: number;
      region: string;
      seen?: VersionVector;
      at: Date;
    }
  | { type: 'RemoveItem'; sku: string; seen?: VersionVector; at: Date }
  | { type: 'Merge'; from: string; state: CartState; at: Date }
  | { type: 'CheckOut'; orderId: string; items: CartItem[]; seen: VersionVector; at: Date };

export type CartEvent =
  | {
      type: 'CartItemSet';
      data: { sku: string; quantity: number; region: string; seen: string; at: string };
    }
  | { type: 'CartItemRemoved'; data: { sku: string; seen: string; at: string } }
  | { type: 'CartReplicaMerged'; data: { from: string; state: CartJson; at: string } }
  | {
      type: 'CartCheckedOut';
      data: { orderId: string; items: CartItem[]; seen: string; at: string };
    };

/** Events that are this region's own changes (sent to the other region), not merges. */
export const localChangeTypes = ['CartItemSet', 'CartItemRemoved', 'CartCheckedOut'] as const;

/** The stored state: `formatCart`'s canonical JSON, so equal carts are equal documents. */
export type StoredCart = CartJson;

export const initialState = (): StoredCart => formatCart(emptyCart);

export const cartStreamId = (customerId: string) => `cart-${customerId}`;

/** The customer of a cart stream id. */
export const customerOfStream = (streamId: string) => streamId.slice('cart-'.length);

const same = (a: CartState, b: CartState) =>
  JSON.stringify(formatCart(a)) === JSON.stringify(formatCart(b));

/**
 * A write without a context acts on what this region has seen (as if the client had just read
 * it here); the context it acted on is recorded, so replaying the event gives the same state.
 */
export function decide(command: CartCommand, stored: StoredCart): CartEvent[] {
  const state = parseCart(stored);
  const at = command.at.toISOString();
  switch (command.type) {
    case 'SetItem': {
      const { sku, quantity, region } = command;
      const seen = formatVector(command.seen ?? state.context);
      return [{ type: 'CartItemSet', data: { sku, quantity, region, seen, at } }];
    }
    case 'RemoveItem': {
      const seen = command.seen ?? state.context;
      if (same(applyRemove(state, command.sku, seen).state, state)) return [];
      return [
        { type: 'CartItemRemoved', data: { sku: command.sku, seen: formatVector(seen), at } },
      ];
    }
    case 'Merge':
      if (same(mergeCarts(state, command.state), state)) return [];
      return [
        {
          type: 'CartReplicaMerged',
          data: { from: command.from, state: formatCart(command.state), at },
        },
      ];
    case 'CheckOut': {
      const { orderId, items } = command;
      const seen = formatVector(command.seen);
      const event: CartEvent = { type: 'CartCheckedOut', data: { orderId, items, seen, at } };
      return same(evolveState(state, event), state) ? [] : [event];
    }
  }
}

function evolveState(state: CartState, event: CartEvent): CartState {
  switch (event.type) {
    case 'CartItemSet': {
      const { sku, quantity, seen, region } = event.data;
      return applyPut(state, sku, quantity, parseVector(seen), region).state;
    }
    case 'CartItemRemoved':
      return applyRemove(state, event.data.sku, parseVector(event.data.seen)).state;
    case 'CartReplicaMerged':
      return mergeCarts(state, parseCart(event.data.state));
    case 'CartCheckedOut': {
      // Only what the checkout saw leaves the cart: an add made meanwhile elsewhere stays.
      const seen = parseVector(event.data.seen);
      return event.data.items.reduce(
        (cart, item) => applyRemove(cart, item.sku, seen).state,
        state,
      );
    }
  }
}

export function evolve(stored: StoredCart, event: CartEvent): StoredCart {
  return formatCart(evolveState(parseCart(stored), event));
}
