import { sagaFaultsFromList } from '../../shared/chaos/index.ts';
import type { OutboxMessage } from '../../shared/event-store/index.ts';
import {
  createSagaOrchestrator,
  tccSaga,
  type SagaFaults,
  type SagaOrchestrator,
  type StepContext,
} from '../../shared/saga/index.ts';
import type { ServiceDeps } from '../../shared/service/index.ts';
import type { InventoryApp } from '../inventory/app.ts';
import type { PaymentsApp } from '../payments/app.ts';
import { decide, evolve, initialState, type OrderCommand, type OrderPlaced } from './domain.ts';
import { httpParticipants, type CallOptions, type OrderParticipants } from './participants.ts';
import type { OrdersConfig } from './schema.ts';

/** The read model's projection name: one document per order, written with its events. */
export const ordersProjection = 'orders';

/** The stream that holds one order's events, and its saga's. */
export const orderStream = (orderId: string) => `order-${orderId}`;

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
  /** Where order events go (QStash topic or URL). */
  eventsDestination: string;
  newId: () => string;
}

const attemptMs = 8_000;

function call(ctx: StepContext<OrderSagaInput>): CallOptions {
  return {
    signal: ctx.signal,
    headers: ctx.traceHeaders,
    idempotencyKey: `${ctx.sagaId}:${ctx.step}`,
    deadlineMs: attemptMs,
  };
}

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
  newId,
}: OrderSagaOptions) {
  const retry = { maxAttempts: 5, backoffMs: 1_000, maxBackoffMs: 30_000 };

  function finish(
    ctx: { sagaId: string; input: OrderSagaInput; at: Date; version: number },
    command: OrderCommand,
  ) {
    const placed = evolve(initialState(), { type: 'OrderPlaced', data: ctx.input.order });
    const [event] = decide(command, placed);
    if (!event) return {};
    const stamped = { ...event, id: newId() };
    const outbox: OutboxMessage = {
      destination: eventsDestination,
      body: {
        eventId: stamped.id,
        type: event.type,
        streamId: orderStream(ctx.sagaId),
        streamVersion: ctx.version + 1,
        occurredAt: ctx.at.toISOString(),
        data: event.data,
      },
    };
    const doc = evolve(placed, event);
    return {
      events: [stamped],
      documents: [{ projection: ordersProjection, id: ctx.sagaId, doc }],
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
            call(ctx),
          );
          return { reservationId: orderId };
        },
        confirm: (ctx) => participants.confirmReservation(ctx.input.order.orderId, call(ctx)),
        cancel: (ctx) => participants.cancelReservation(ctx.input.order.orderId, call(ctx)),
      },
      {
        name: 'payments',
        retry,
        timeoutMs: attemptMs,
        try: async (ctx) => {
          const { orderId, customerId, total, currency } = ctx.input.order;
          await participants.authorize(
            { paymentId: orderId, orderId, customerId, amount: total, currency },
            call(ctx),
          );
          return { paymentId: orderId };
        },
        confirm: (ctx) => participants.capture(ctx.input.order.orderId, call(ctx)),
        cancel: (ctx) => participants.cancelPayment(ctx.input.order.orderId, call(ctx)),
      },
    ],
    confirmTimeoutMs: attemptMs * 2,
    onCompleted: (ctx) => finish(ctx, { type: 'ConfirmOrder', orderId: ctx.sagaId, at: ctx.at }),
    onAborted: (ctx) =>
      finish(ctx, { type: 'CancelOrder', orderId: ctx.sagaId, reason: ctx.reason, at: ctx.at }),
  });
}

/**
 * The place-order saga over the function's deps, or undefined when it cannot run: no QStash
 * (no relay), no URL of its own for QStash to deliver steps to, or a participant unknown.
 */
export function orderSagaOf(
  deps: ServiceDeps<OrdersConfig>,
  { faults = sagaFaultsFromList(deps.config.SAGA_FAULTS) }: { faults?: SagaFaults } = {},
): SagaOrchestrator<OrderSagaInput> | undefined {
  const { selfUrl, config } = deps;
  if (!deps.outbox.relay || !selfUrl || !deps.knows('inventory') || !deps.knows('payments')) {
    return undefined;
  }
  return createSagaOrchestrator({
    definition: orderSaga({
      participants: httpParticipants({
        inventory: () => deps.client<InventoryApp>('inventory'),
        payments: () => deps.client<PaymentsApp>('payments'),
      }),
      deadlineMs: config.ORDERS_SAGA_DEADLINE_MS,
      reservationTtlMs: config.ORDERS_RESERVATION_TTL_MS,
      eventsDestination: config.ORDERS_EVENTS_DESTINATION,
      newId: deps.newId,
    }),
    store: deps.events,
    endpoint: `${selfUrl}/saga/steps`,
    streamId: orderStream,
    streamType: 'order',
    now: deps.now,
    ...(faults ? { faults } : {}),
  });
}
