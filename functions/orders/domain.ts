import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { OrderItem, OrderView, PlaceOrderBody } from './schema.ts';

export interface PlaceOrder {
  type: 'PlaceOrder';
  orderId: string;
  order: PlaceOrderBody;
  at: Date;
  /** Trace id of the placing request, kept on the order. */
  traceId?: string;
}

export interface ConfirmOrder {
  type: 'ConfirmOrder';
  orderId: string;
  at: Date;
}

export interface CancelOrder {
  type: 'CancelOrder';
  orderId: string;
  reason: string;
  at: Date;
}

export type OrderCommand = PlaceOrder | ConfirmOrder | CancelOrder;

export type OrderPlaced = {
  type: 'OrderPlaced';
  data: {
    orderId: string;
    customerId: string;
    items: OrderItem[];
    total: number;
    currency: string;
    placedAt: string;
    traceId?: string;
  };
};
/** Carries what a downstream consumer (shipping, invoicing) acts on without calling back. */
export type OrderConfirmed = {
  type: 'OrderConfirmed';
  data: {
    orderId: string;
    customerId: string;
    items: OrderItem[];
    total: number;
    currency: string;
    confirmedAt: string;
  };
};
export type OrderCancelled = {
  type: 'OrderCancelled';
  data: { orderId: string; customerId: string; reason: string; cancelledAt: string };
};
export type OrderEvent = OrderPlaced | OrderConfirmed | OrderCancelled;

/** An order as its events made it; `none` before it was placed. The read model adds `version`. */
export type OrderState = { status: 'none' } | Omit<OrderView, 'version'>;

export const initialState = (): OrderState => ({ status: 'none' });

export function orderTotal(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}

function conflict(orderId: string, detail: string): EdgeMeshError {
  return new EdgeMeshError('CONFLICT', `Order ${orderId} ${detail}.`, { extensions: { orderId } });
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  const at = command.at.toISOString();
  switch (command.type) {
    case 'PlaceOrder': {
      if (state.status !== 'none') throw conflict(command.orderId, 'already exists');
      const { customerId, items, currency } = command.order;
      return [
        {
          type: 'OrderPlaced',
          data: {
            orderId: command.orderId,
            customerId,
            items,
            total: orderTotal(items),
            currency,
            placedAt: at,
            ...(command.traceId ? { traceId: command.traceId } : {}),
          },
        },
      ];
    }
    case 'ConfirmOrder': {
      if (state.status === 'none') throw conflict(command.orderId, 'does not exist');
      if (state.status === 'confirmed') return [];
      if (state.status === 'cancelled') throw conflict(command.orderId, 'is cancelled');
      const { customerId, items, total, currency } = state;
      return [
        {
          type: 'OrderConfirmed',
          data: { orderId: command.orderId, customerId, items, total, currency, confirmedAt: at },
        },
      ];
    }
    case 'CancelOrder': {
      if (state.status === 'none') throw conflict(command.orderId, 'does not exist');
      if (state.status === 'cancelled') return [];
      if (state.status === 'confirmed') throw conflict(command.orderId, 'is confirmed');
      return [
        {
          type: 'OrderCancelled',
          data: {
            orderId: command.orderId,
            customerId: state.customerId,
            reason: command.reason,
            cancelledAt: at,
          },
        },
      ];
    }
  }
}

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, customerId, items, total, currency, placedAt, traceId } = event.data;
      return {
        orderId,
        customerId,
        items,
        total,
        currency,
        ...(traceId ? { traceId } : {}),
        status: 'pending',
        history: [{ type: event.type, at: placedAt }],
      };
    }
    case 'OrderConfirmed':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: 'confirmed',
        history: [...state.history, { type: event.type, at: event.data.confirmedAt }],
      };
    case 'OrderCancelled':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: 'cancelled',
        reason: event.data.reason,
        history: [...state.history, { type: event.type, at: event.data.cancelledAt }],
      };
  }
}
