import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { ReservationItem, ReservationView } from './schema.ts';

// ── stock, one stream per sku ───────────────────────────────────────────────────────────────

export type StockCommand =
  | { type: 'SetStock'; sku: string; available: number; at: Date }
  | { type: 'HoldStock'; sku: string; reservationId: string; quantity: number; at: Date }
  | { type: 'ReleaseStock'; sku: string; reservationId: string; reason: string; at: Date }
  | { type: 'SellStock'; sku: string; reservationId: string; at: Date };

type Hold = { sku: string; reservationId: string; quantity: number };
export type StockEvent =
  | { type: 'StockSet'; data: { sku: string; available: number; at: string } }
  | { type: 'StockReserved'; data: Hold }
  | { type: 'StockReleased'; data: Hold & { reason: string } }
  | { type: 'StockSold'; data: Hold };

/** A sku's stock; `holds` are the quantities reserved, by reservation. */
export interface StockState {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
  holds: Record<string, number>;
}

export const initialStock = (sku: string): StockState => ({
  sku,
  available: 0,
  reserved: 0,
  sold: 0,
  holds: {},
});

export function decideStock(command: StockCommand, state: StockState): StockEvent[] {
  switch (command.type) {
    case 'SetStock':
      return [
        {
          type: 'StockSet',
          data: { sku: command.sku, available: command.available, at: command.at.toISOString() },
        },
      ];
    case 'HoldStock': {
      if (state.holds[command.reservationId] !== undefined) return [];
      if (state.available < command.quantity) {
        throw new EdgeMeshError(
          'OUT_OF_STOCK',
          `Only ${state.available} of ${command.sku} available, ${command.quantity} requested.`,
          { extensions: { sku: command.sku, available: state.available } },
        );
      }
      const { sku, reservationId, quantity } = command;
      return [{ type: 'StockReserved', data: { sku, reservationId, quantity } }];
    }
    case 'ReleaseStock':
    case 'SellStock': {
      const quantity = state.holds[command.reservationId];
      if (quantity === undefined) return [];
      const { sku, reservationId } = command;
      return command.type === 'SellStock'
        ? [{ type: 'StockSold', data: { sku, reservationId, quantity } }]
        : [
            {
              type: 'StockReleased',
              data: { sku, reservationId, quantity, reason: command.reason },
            },
          ];
    }
  }
}

function withoutHold(holds: Record<string, number>, reservationId: string) {
  const rest = { ...holds };
  delete rest[reservationId];
  return rest;
}

export function evolveStock(state: StockState, event: StockEvent): StockState {
  switch (event.type) {
    case 'StockSet':
      return { ...state, available: event.data.available };
    case 'StockReserved':
      return {
        ...state,
        available: state.available - event.data.quantity,
        reserved: state.reserved + event.data.quantity,
        holds: { ...state.holds, [event.data.reservationId]: event.data.quantity },
      };
    case 'StockReleased':
      return {
        ...state,
        available: state.available + event.data.quantity,
        reserved: state.reserved - event.data.quantity,
        holds: withoutHold(state.holds, event.data.reservationId),
      };
    case 'StockSold':
      return {
        ...state,
        reserved: state.reserved - event.data.quantity,
        sold: state.sold + event.data.quantity,
        holds: withoutHold(state.holds, event.data.reservationId),
      };
  }
}

// ── reservations, one stream each ───────────────────────────────────────────────────────────

export type ReservationCommand =
  | {
      type: 'RequestReservation';
      reservationId: string;
      orderId: string;
      items: ReservationItem[];
      expiresAt: Date;
      at: Date;
    }
  | { type: 'MarkHeld'; reservationId: string; at: Date }
  | { type: 'Reject'; reservationId: string; reason: string; at: Date }
  | { type: 'Confirm'; reservationId: string; at: Date }
  | { type: 'Cancel'; reservationId: string; at: Date }
  | { type: 'Expire'; reservationId: string; at: Date };

export type ReservationEvent =
  | {
      type: 'ReservationRequested';
      data: {
        reservationId: string;
        orderId: string;
        items: ReservationItem[];
        expiresAt: string;
        at: string;
      };
    }
  | { type: 'ReservationHeld'; data: { reservationId: string; at: string } }
  | { type: 'ReservationRejected'; data: { reservationId: string; reason: string; at: string } }
  | { type: 'ReservationConfirmed'; data: { reservationId: string; at: string } }
  | {
      type: 'ReservationCancelled';
      data: { reservationId: string; tombstone: boolean; at: string };
    }
  | { type: 'ReservationExpired'; data: { reservationId: string; at: string } };

export type ReservationState = { status: 'none' } | ReservationView;

export const initialReservation = (): ReservationState => ({ status: 'none' });

/** Whether the reservation reached a decision that releases or keeps its stock for good. */
export const isClosed = (state: ReservationState) =>
  state.status === 'cancelled' || state.status === 'expired' || state.status === 'rejected';

function closed(reservationId: string, status: string): EdgeMeshError {
  return new EdgeMeshError('CONFLICT', `Reservation ${reservationId} is ${status}.`, {
    extensions: { reservationId, status },
  });
}

export function decideReservation(
  command: ReservationCommand,
  state: ReservationState,
): ReservationEvent[] {
  const at = command.at.toISOString();
  const { reservationId } = command;
  switch (command.type) {
    case 'RequestReservation':
      if (state.status !== 'none') return [];
      return [
        {
          type: 'ReservationRequested',
          data: {
            reservationId,
            orderId: command.orderId,
            items: command.items,
            expiresAt: command.expiresAt.toISOString(),
            at,
          },
        },
      ];
    case 'MarkHeld':
      if (state.status === 'held' || state.status === 'confirmed') return [];
      if (state.status !== 'requested') throw closed(reservationId, state.status);
      return [{ type: 'ReservationHeld', data: { reservationId, at } }];
    case 'Reject':
      if (state.status !== 'requested') return [];
      return [{ type: 'ReservationRejected', data: { reservationId, reason: command.reason, at } }];
    case 'Confirm': {
      if (state.status === 'confirmed') return [];
      if (state.status === 'none') {
        throw new EdgeMeshError('NOT_FOUND', `Reservation ${reservationId} does not exist.`);
      }
      if (state.status === 'expired') {
        throw new EdgeMeshError('RESERVATION_EXPIRED', `Reservation ${reservationId} expired.`);
      }
      if (state.status !== 'held') throw closed(reservationId, state.status);
      if (state.expiresAt && command.at.getTime() > Date.parse(state.expiresAt)) {
        return [{ type: 'ReservationExpired', data: { reservationId, at } }];
      }
      return [{ type: 'ReservationConfirmed', data: { reservationId, at } }];
    }
    case 'Cancel':
      if (state.status === 'none') {
        return [{ type: 'ReservationCancelled', data: { reservationId, tombstone: true, at } }];
      }
      if (state.status === 'requested' || state.status === 'held') {
        return [{ type: 'ReservationCancelled', data: { reservationId, tombstone: false, at } }];
      }
      if (state.status === 'confirmed') throw closed(reservationId, 'confirmed');
      return [];
    case 'Expire':
      if (state.status === 'requested' || state.status === 'held') {
        return [{ type: 'ReservationExpired', data: { reservationId, at } }];
      }
      return [];
  }
}

export function evolveReservation(
  state: ReservationState,
  event: ReservationEvent,
): ReservationState {
  switch (event.type) {
    case 'ReservationRequested': {
      const { reservationId, orderId, items, expiresAt } = event.data;
      return { reservationId, orderId, items, expiresAt, status: 'requested' };
    }
    case 'ReservationCancelled':
      if (state.status === 'none') {
        return { reservationId: event.data.reservationId, items: [], status: 'cancelled' };
      }
      return { ...state, status: 'cancelled' };
    case 'ReservationHeld':
    case 'ReservationRejected':
    case 'ReservationConfirmed':
    case 'ReservationExpired': {
      if (state.status === 'none') return state;
      const status = {
        ReservationHeld: 'held',
        ReservationRejected: 'rejected',
        ReservationConfirmed: 'confirmed',
        ReservationExpired: 'expired',
      } as const;
      return {
        ...state,
        status: status[event.type],
        ...(event.type === 'ReservationRejected' ? { reason: event.data.reason } : {}),
      };
    }
  }
}
