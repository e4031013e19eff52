import { describe, expect, it } from 'vitest';
import {
  decide,
  evolve,
  initialState,
  type OrderCommand,
  type OrderEvent,
} from '../../../../functions/orders/domain.ts';

const at = new Date('2026-11-26T12:00:00.000Z');
const later = new Date('2026-11-26T12:05:00.000Z');
const orderId = 'o-1';
const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'c-1',
    items: [{ sku: 'kettle', quantity: 2, unitPrice: 2599 }],
    total: 5198,
    currency: 'USD',
    placedAt: at.toISOString(),
  },
};

function given(...events: OrderEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when: (command: OrderCommand) => ({
      then: (expected: OrderEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenFailsWith: (code: string) =>
        expect(() => decide(command, state)).toThrow(expect.objectContaining({ code }) as Error),
    }),
  };
}

describe('orders domain', () => {
  it('places an order with its total, at the command time', () => {
    given()
      .when({
        type: 'PlaceOrder',
        orderId,
        order: { customerId: 'c-1', items: placed.data.items, currency: 'USD' },
        at,
      })
      .then([placed]);
  });

  it('refuses to place an order twice', () => {
    given(placed)
      .when({
        type: 'PlaceOrder',
        orderId,
        order: { customerId: 'c-1', items: [], currency: 'USD' },
        at,
      })
      .thenFailsWith('CONFLICT');
  });

  it('confirms a pending order once, with what a downstream consumer needs', () => {
    const confirmed: OrderEvent = {
      type: 'OrderConfirmed',
      data: {
        orderId,
        customerId: 'c-1',
        items: [{ sku: 'kettle', quantity: 2, unitPrice: 2599 }],
        total: 5198,
        currency: 'USD',
        confirmedAt: later.toISOString(),
      },
    };
    given(placed).when({ type: 'ConfirmOrder', orderId, at: later }).then([confirmed]);
    given(placed, confirmed).when({ type: 'ConfirmOrder', orderId, at: later }).then([]);
  });

  it('cancels a pending order with a reason, and never a confirmed one', () => {
    const cancelled: OrderEvent = {
      type: 'OrderCancelled',
      data: {
        orderId,
        customerId: 'c-1',
        reason: 'out of stock',
        cancelledAt: later.toISOString(),
      },
    };
    given(placed)
      .when({ type: 'CancelOrder', orderId, reason: 'out of stock', at: later })
      .then([cancelled]);
    const confirmed = decide(
      { type: 'ConfirmOrder', orderId, at: later },
      evolve(initialState(), placed),
    );
    given(placed, ...confirmed)
      .when({ type: 'CancelOrder', orderId, reason: 'late', at: later })
      .thenFailsWith('CONFLICT');
    given().when({ type: 'ConfirmOrder', orderId, at }).thenFailsWith('CONFLICT');
  });

  it('evolves into the read model with status, reason and history', () => {
    const state = [
      placed,
      {
        type: 'OrderCancelled',
        data: { orderId, customerId: 'c-1', reason: 'declined', cancelledAt: later.toISOString() },
      } as const,
    ].reduce(evolve, initialState());
    expect(state).toEqual({
      orderId,
      customerId: 'c-1',
      items: placed.data.items,
      total: 5198,
      currency: 'USD',
      status: 'cancelled',
      reason: 'declined',
      history: [
        { type: 'OrderPlaced', at: at.toISOString() },
        { type: 'OrderCancelled', at: later.toISOString() },
      ],
    });
  });
});
