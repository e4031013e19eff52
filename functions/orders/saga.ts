import type { OutboxMessage } from '../../shared/event-store/event-store.ts';
import type { StepContext } from '../../shared/saga/definition.ts';
import { tccSaga } from '../../shared/saga/tcc.ts';
import { evolve, initialState, type OrderEvent, type OrderPlaced } from './domain.ts';
import type { CallOptions, OrderParticipants } from './participants.ts';

/** What the order saga carries: the placed order, as recorded. */
export interface OrderSagaInput {
  order: OrderPlaced['data'];
}

export interface OrderSagaOptions {
  participants: OrderParticipants;
  /** Abort (reason `timeout`) when the tries have not all succeeded after this long, ms. */
  deadlineMs: number;
  /** How long inventory holds the stock before it cancels the reservation itself, ms. */
  reservationTtlMs: number;
  /** Where order events go (QStash URL group or URL). */
  eventsDestination: string;
  /** The orders read model's projection name. */
  projection: string;
  /** The stream of an order. */
  streamId: (orderId: string) => string;
  newId: () => string;
}

function call(ctx: StepContext<OrderSagaInput>, timeoutMs: number): CallOptions {
  return {
    signal: ctx.signal,
    headers: ctx.traceHeaders,
    idempotencyKey: `${ctx.sagaId}:${ctx.step}`,
    deadlineMs: timeoutMs,
  };
}

const attemptMs = 8_000;

/**
 * The place-order saga: a TCC over inventory (reserve → confirm, else cancel) then payments
 * (authorize → capture, else void or refund). It ends by confirming or cancelling the order in
 * the same append as SagaCompleted / SagaAborted, with the read model and the order event.
 */
export function orderSaga({
  participants,
  deadlineMs,
  reservationTtlMs,
  eventsDestination,
  projection,
  streamId,
  newId,
}: OrderSagaOptions) {
  const retry = { maxAttempts: 5, backoffMs: 1_000, maxBackoffMs: 30_000 };

  function finish(
    ctx: { sagaId: string; input: OrderSagaInput; at: Date; version: number },
    event: OrderEvent,
  ) {
    const stamped = { ...event, id: newId() };
    const placed: OrderEvent = { type: 'OrderPlaced', data: ctx.input.order };
    const state = [placed, event].reduce(evolve, initialState());
    const outbox: OutboxMessage = {
      destination: eventsDestination,
      body: {
        eventId: stamped.id,
        type: event.type,
        streamId: streamId(ctx.sagaId),
        streamVersion: ctx.version + 1,
        occurredAt: ctx.at.toISOString(),
        data: event.data,
      },
    };
    return {
      events: [stamped],
      documents: [{ projection, id: ctx.sagaId, doc: state }],
      outbox: [outbox],
    };
  }

  return tccSaga<OrderSagaInput>({
    name: 'place-order',
    deadlineMs,
    participants: [
      {
        name: 'inventory',
        retry,
        timeoutMs: attemptMs,
        try: async (ctx) => {
          const { orderId, items } = ctx.input.order;
          await participants.reserve(
            { reservationId: orderId, orderId, items, ttlMs: reservationTtlMs },
            call(ctx, attemptMs),
          );
          return { reservationId: orderId };
        },
        confirm: (ctx) =>
          participants.confirmReservation(ctx.input.order.orderId, call(ctx, attemptMs)),
        cancel: (ctx) =>
          participants.cancelReservation(ctx.input.order.orderId, call(ctx, attemptMs)),
      },
      {
        name: 'payments',
        retry,
        timeoutMs: attemptMs,
        try: async (ctx) => {
          const { orderId, customerId, total, currency } = ctx.input.order;
          await participants.authorize(
            { paymentId: orderId, orderId, customerId, amount: total, currency },
            call(ctx, attemptMs),
          );
          return { paymentId: orderId };
        },
        confirm: (ctx) => participants.capture(ctx.input.order.orderId, call(ctx, attemptMs)),
        cancel: (ctx) => participants.cancelPayment(ctx.input.order.orderId, call(ctx, attemptMs)),
      },
    ],
    confirmTimeoutMs: attemptMs * 2,
    onCompleted: (ctx) =>
      finish(ctx, {
        type: 'OrderConfirmed',
        data: { orderId: ctx.sagaId, confirmedAt: ctx.at.toISOString() },
      }),
    onAborted: (ctx) =>
      finish(ctx, {
        type: 'OrderCancelled',
        data: { orderId: ctx.sagaId, reason: ctx.reason, cancelledAt: ctx.at.toISOString() },
      }),
  });
}
