import { EdgeMeshError } from '../../shared/errors/index.ts';

// Pure decisions, one stream per item: time and ids come in with the command.

export type ShippingCommand =
  { type: 'Create'; id: string; note: string; at: Date } | { type: 'Close'; id: string; at: Date };

export type ShippingEvent =
  | { type: 'ItemCreated'; data: { id: string; note: string; at: string } }
  | { type: 'ItemClosed'; data: { id: string; at: string } };

export type ShippingState =
  { status: 'none' } | { status: 'open' | 'closed'; id: string; note: string; createdAt: string };

export const initialState = (): ShippingState => ({ status: 'none' });

export function decide(command: ShippingCommand, state: ShippingState): ShippingEvent[] {
  const at = command.at.toISOString();
  switch (command.type) {
    case 'Create':
      if (state.status !== 'none') return [];
      return [{ type: 'ItemCreated', data: { id: command.id, note: command.note, at } }];
    case 'Close':
      if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', `No item ${command.id}.`);
      if (state.status === 'closed') return [];
      return [{ type: 'ItemClosed', data: { id: command.id, at } }];
  }
}

export function evolve(state: ShippingState, event: ShippingEvent): ShippingState {
  switch (event.type) {
    case 'ItemCreated':
      return { status: 'open', id: event.data.id, note: event.data.note, createdAt: event.data.at };
    case 'ItemClosed':
      return state.status === 'none' ? state : { ...state, status: 'closed' };
  }
}
