import { EdgeMeshError, hasCode } from '../../shared/errors/index.ts';
import {
  commandHandler,
  type EventStore,
  type KnownState,
  type OutboxMessage,
} from '../../shared/event-store/index.ts';
import {
  decideReservation,
  decideStock,
  evolveReservation,
  evolveStock,
  initialReservation,
  initialStock,
  isClosed,
  type ReservationCommand,
  type ReservationEvent,
  type ReservationState,
  type StockCommand,
  type StockEvent,
  type StockState,
} from './domain.ts';
import type { ReservationItem } from './schema.ts';

/** One stream and one document per sku; hot skus race, so the handler retries often. */
export const stock = commandHandler<StockState, StockEvent>({
  streamType: 'stock',
  streamId: (sku) => `stock-${sku}`,
  initialState: initialStock,
  evolve: evolveStock,
  stateDocument: 'stock',
  maxRetries: 50,
  backoff: { baseMs: 4, maxMs: 200 },
});

/** One stream and one document per reservation. */
export const reservations = commandHandler<ReservationState, ReservationEvent>({
  streamType: 'reservation',
  streamId: (id) => `reservation-${id}`,
  initialState: initialReservation,
  evolve: evolveReservation,
  stateDocument: 'reservations',
  maxRetries: 50,
});

export const applyStock = (events: EventStore, command: StockCommand) =>
  stock.handle(events, command.sku, (state) => decideStock(command, state), { at: command.at });

export const applyReservation = (
  events: EventStore,
  command: ReservationCommand,
  options: { guess?: 'new' | KnownState<ReservationState>; outbox?: () => OutboxMessage[] } = {},
) =>
  reservations.handle(events, command.reservationId, (state) => decideReservation(command, state), {
    at: command.at,
    ...(options.guess ? { guess: options.guess } : {}),
    // The expiry message commits with the request, before any stock is held.
    ...(options.outbox
      ? {
          outbox: ({ before, after }) =>
            before.status === 'none' && after.status === 'requested' ? options.outbox!() : [],
        }
      : {}),
  });

/**
 * Applies what a reservation's decision means for its skus: sold when confirmed, released when
 * cancelled, expired or rejected. Idempotent, so every replay finishes what a crash left.
 */
export async function settleStock(
  events: EventStore,
  state: ReservationState,
  at: Date,
): Promise<void> {
  if (state.status === 'none') return;
  const { reservationId } = state;
  const reason = state.status;
  if (reason !== 'confirmed' && !isClosed(state)) return;
  await Promise.all(
    state.items.map(({ sku }) =>
      reason === 'confirmed'
        ? applyStock(events, { type: 'SellStock', sku, reservationId, at })
        : applyStock(events, { type: 'ReleaseStock', sku, reservationId, reason, at }),
    ),
  );
}

/** Refuses a reservation that is closed: 409 OUT_OF_STOCK when rejected, else CONFLICT. */
export function refuseClosed(state: ReservationState): never {
  const reservationId = 'reservationId' in state ? state.reservationId : undefined;
  if (state.status === 'rejected') {
    throw new EdgeMeshError('OUT_OF_STOCK', 'The reservation was refused: stock is short.', {
      extensions: { reservationId },
    });
  }
  throw new EdgeMeshError('CONFLICT', `The reservation is ${state.status}.`, {
    extensions: { reservationId, status: state.status },
  });
}

/**
 * The try of the TCC: records the request (with its expiry message), holds each sku in order,
 * then marks the reservation held. Short stock rejects it and gives back what was held; a
 * cancel or expiry that lands meanwhile gives the holds back too.
 */
export async function reserve(
  events: EventStore,
  request: {
    reservationId: string;
    orderId: string;
    items: ReservationItem[];
    expiresAt: Date;
    at: Date;
  },
  expiry: () => OutboxMessage[],
) {
  const { reservationId, at } = request;
  const items = [...request.items].sort((a, b) => a.sku.localeCompare(b.sku));
  const requested = await applyReservation(
    events,
    { type: 'RequestReservation', ...request, items },
    // Most requests create the reservation: no read before the first write.
    { guess: 'new', outbox: expiry },
  );
  const state = requested.state;
  if (state.status === 'held' || state.status === 'confirmed') return { requested, state };
  if (isClosed(state)) {
    await settleStock(events, state, at);
    refuseClosed(state);
  }
  try {
    for (const item of state.status === 'none' ? [] : state.items) {
      await applyStock(events, {
        type: 'HoldStock',
        sku: item.sku,
        reservationId,
        quantity: item.quantity,
        at,
      });
    }
  } catch (error) {
    if (!hasCode(error, 'OUT_OF_STOCK')) throw error;
    const rejected = await applyReservation(events, {
      type: 'Reject',
      reservationId,
      reason: 'out_of_stock',
      at,
    });
    await settleStock(events, rejected.state, at);
    throw error;
  }
  try {
    const held = await applyReservation(
      events,
      { type: 'MarkHeld', reservationId, at },
      {
        guess: { state, version: requested.version },
      },
    );
    return { requested, state: held.state };
  } catch (error) {
    // Cancelled or expired while the holds were being taken: give them back.
    if (!hasCode(error, 'CONFLICT')) throw error;
    const { state: closed } = await reservations.read(events, reservationId);
    await settleStock(events, closed, at);
    refuseClosed(closed);
  }
}
