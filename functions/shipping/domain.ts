import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { Shipment } from './schema.ts';

// One shipment per confirmed order, one stream per shipment.

export type ShippingCommand =
  | ({ type: 'CreateShipment'; at: Date } & Shipment)
  | { type: 'Dispatch'; shipmentId: string; at: Date };

export type ShippingEvent =
  | { type: 'ShipmentCreated'; data: Shipment & { at: string } }
  | { type: 'ShipmentDispatched'; data: { shipmentId: string; at: string } };

export type ShippingState =
  | { status: 'none' }
  | (Shipment & { status: 'pending' | 'dispatched'; createdAt: string; dispatchedAt?: string });

export const initialState = (): ShippingState => ({ status: 'none' });

/** The shipment of an order: one per order, so a redelivered event finds it. */
export const shipmentIdOf = (orderId: string) => `shipment-${orderId}`;

export function decide(command: ShippingCommand, state: ShippingState): ShippingEvent[] {
  const at = command.at.toISOString();
  if (command.type === 'Dispatch') {
    if (state.status === 'none')
      throw new EdgeMeshError('NOT_FOUND', `No shipment ${command.shipmentId}.`);
    return state.status === 'dispatched'
      ? []
      : [{ type: 'ShipmentDispatched', data: { shipmentId: command.shipmentId, at } }];
  }
  const { shipmentId, orderId, customerId, items } = command;
  return state.status === 'none'
    ? [{ type: 'ShipmentCreated', data: { shipmentId, orderId, customerId, items, at } }]
    : [];
}

export function evolve(state: ShippingState, event: ShippingEvent): ShippingState {
  if (event.type === 'ShipmentCreated') {
    const { at, ...shipment } = event.data;
    return { status: 'pending', ...shipment, createdAt: at };
  }
  return state.status === 'none'
    ? state
    : { ...state, status: 'dispatched', dispatchedAt: event.data.at };
}
