import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { AuthorizeBody, PaymentView } from './schema.ts';

/** Customers whose id starts with this are always declined (tests and demos). */
export const declinedCustomerPrefix = 'decline-';

/** Most a customer may be charged for one order, in minor units: 1,000,000 (10,000.00). */
export const perOrderLimit = 1_000_000;

/**
 * The deterministic decline rule: a customer id starting with `decline-` is declined
 * (`card_declined`), and so is an amount above {@link perOrderLimit} (`over_limit`).
 */
export function declineReason(customerId: string, amount: number): string | undefined {
  if (customerId.startsWith(declinedCustomerPrefix)) return 'card_declined';
  if (amount > perOrderLimit) return 'over_limit';
  return undefined;
}

export type PaymentCommand =
  | ({ type: 'Authorize'; at: Date } & AuthorizeBody)
  | { type: 'Capture'; paymentId: string; at: Date }
  | { type: 'Cancel'; paymentId: string; at: Date };

type Authorization = AuthorizeBody & { at: string };
export type PaymentEvent =
  | { type: 'PaymentAuthorized'; data: Authorization }
  | { type: 'PaymentDeclined'; data: Authorization & { reason: string } }
  | { type: 'PaymentCaptured'; data: { paymentId: string; amount: number; at: string } }
  | { type: 'PaymentVoided'; data: { paymentId: string; tombstone: boolean; at: string } }
  | { type: 'PaymentRefunded'; data: { paymentId: string; amount: number; at: string } };

export type PaymentState = { status: 'none' } | PaymentView;

export const initialPayment = (): PaymentState => ({ status: 'none' });

export function decidePayment(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
  const at = command.at.toISOString();
  const { paymentId } = command;
  switch (command.type) {
    case 'Authorize': {
      if (state.status !== 'none') return [];
      const { orderId, customerId, amount, currency } = command;
      const data = { paymentId, orderId, customerId, amount, currency, at };
      const reason = declineReason(customerId, amount);
      return reason
        ? [{ type: 'PaymentDeclined', data: { ...data, reason } }]
        : [{ type: 'PaymentAuthorized', data }];
    }
    case 'Capture':
      if (state.status === 'captured') return [];
      if (state.status === 'none') {
        throw new EdgeMeshError('NOT_FOUND', `Payment ${paymentId} does not exist.`);
      }
      if (state.status !== 'authorized') {
        throw new EdgeMeshError('CONFLICT', `Payment ${paymentId} is ${state.status}.`, {
          extensions: { paymentId, status: state.status },
        });
      }
      return [{ type: 'PaymentCaptured', data: { paymentId, amount: state.amount ?? 0, at } }];
    case 'Cancel':
      if (state.status === 'none') {
        return [{ type: 'PaymentVoided', data: { paymentId, tombstone: true, at } }];
      }
      if (state.status === 'authorized') {
        return [{ type: 'PaymentVoided', data: { paymentId, tombstone: false, at } }];
      }
      if (state.status === 'captured') {
        return [{ type: 'PaymentRefunded', data: { paymentId, amount: state.amount ?? 0, at } }];
      }
      return [];
  }
}

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentAuthorized':
    case 'PaymentDeclined': {
      const { paymentId, orderId, customerId, amount, currency } = event.data;
      const base = { paymentId, orderId, customerId, amount, currency };
      return event.type === 'PaymentDeclined'
        ? { ...base, status: 'declined', reason: event.data.reason }
        : { ...base, status: 'authorized' };
    }
    case 'PaymentCaptured':
      if (state.status === 'none') return state;
      return { ...state, status: 'captured', capturedAt: event.data.at };
    case 'PaymentVoided':
      if (state.status === 'none') return { paymentId: event.data.paymentId, status: 'voided' };
      return { ...state, status: 'voided' };
    case 'PaymentRefunded':
      if (state.status === 'none') return state;
      return { ...state, status: 'refunded' };
  }
}
