import type { OrderItem, OrderView, PlaceOrderBody } from './schema.ts';

export interface PlaceOrder {
  type: 'PlaceOrder';
  orderId: string;
  order: PlaceOrderBody;
  at: Date;
}

export function orderTotal(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}

export function placeOrder(command: PlaceOrder): OrderView {
  const { orderId, order, at } = command;
  return {
    orderId,
    customerId: order.customerId,
    items: order.items,
    total: orderTotal(order.items),
    currency: order.currency,
    status: 'pending',
    version: 1,
    history: [{ type: 'OrderPlaced', at: at.toISOString() }],
  };
}
