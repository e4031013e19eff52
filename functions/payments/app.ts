import { Hono, type Context } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { commandHandler } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import {
  decidePayment,
  evolvePayment,
  initialPayment,
  type PaymentCommand,
  type PaymentEvent,
  type PaymentState,
} from './domain.ts';
import { authorizeBody, idParam, paymentView } from './schema.ts';

/** Idempotency scope that allows one payment per order: a second one is refused. */
export const paymentPerOrderScope = 'payments-order';

const payments = commandHandler<PaymentState, PaymentEvent>({
  streamType: 'payment',
  streamId: (id) => `payment-${id}`,
  initialState: initialPayment,
  evolve: evolvePayment,
  stateDocument: 'payments',
  maxRetries: 10,
});

const view = (state: PaymentState) => paymentView.parse(state);

/** The payments service: authorize, capture (confirm), void or refund (cancel), as a TCC participant. */
export function paymentsRoutes(deps: ServiceDeps) {
  async function apply(c: Context, command: PaymentCommand): Promise<PaymentState> {
    const events = deps.eventsFor(c);
    const authorize = command.type === 'Authorize';
    const result = await payments.handle(
      events,
      command.paymentId,
      (state) => decidePayment(command, state),
      {
        at: command.at,
        // An authorization usually creates the payment: no read before the first write.
        ...(authorize ? { guess: 'new' as const } : {}),
        // One authorization per order, so an order can never be captured twice.
        ...(authorize
          ? {
              idempotency: {
                scope: paymentPerOrderScope,
                key: command.orderId,
                requestHash: command.paymentId,
              },
            }
          : {}),
      },
    );
    if (result.status === 'mismatch') {
      throw new EdgeMeshError('CONFLICT', 'This order already has another payment.', {
        extensions: { orderId: authorize ? command.orderId : undefined },
      });
    }
    if (result.status === 'replayed') return (await payments.read(events, command.paymentId)).state;
    return result.state;
  }

  return new Hono<ServiceEnv>()
    .post('/payments', validate('json', authorizeBody), async (c) => {
      const body = c.req.valid('json');
      const state = await apply(c, { type: 'Authorize', ...body, at: new Date(deps.now()) });
      if (state.status === 'declined') {
        throw new EdgeMeshError('PAYMENT_DECLINED', `The payment was declined: ${state.reason}.`, {
          extensions: { paymentId: body.paymentId, reason: state.reason },
        });
      }
      if (state.status === 'voided' || state.status === 'refunded' || state.status === 'none') {
        throw new EdgeMeshError('CONFLICT', `Payment ${body.paymentId} was cancelled.`, {
          extensions: { paymentId: body.paymentId, status: state.status },
        });
      }
      return c.json(view(state), 201);
    })
    .get('/payments/:id', validate('param', idParam), async (c) => {
      const { state } = await payments.read(deps.eventsFor(c), c.req.valid('param').id);
      if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such payment.');
      return c.json(view(state), 200);
    })
    .post('/payments/:id/confirm', validate('param', idParam), async (c) => {
      const paymentId = c.req.valid('param').id;
      const state = await apply(c, { type: 'Capture', paymentId, at: new Date(deps.now()) });
      return c.json(view(state), 200);
    })
    .post('/payments/:id/cancel', validate('param', idParam), async (c) => {
      const paymentId = c.req.valid('param').id;
      const state = await apply(c, { type: 'Cancel', paymentId, at: new Date(deps.now()) });
      return c.json(view(state), 200);
    });
}

export type PaymentsApp = ReturnType<typeof paymentsRoutes>;
