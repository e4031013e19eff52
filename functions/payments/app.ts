import { Hono, type Context } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { commandHandler } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
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

const payment = (description: string) => ({ description, body: paymentView });
const concurrent = 'CONCURRENCY: too many concurrent writes';

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
    .post(
      '/payments',
      operation({
        summary: "Authorize an order's payment (TCC try)",
        responses: {
          201: payment('Authorized (or authorized before, for the same payment)'),
          402: 'PAYMENT_DECLINED, with `reason`',
          409: `CONFLICT: the order has another payment, or this one was cancelled; ${concurrent}`,
        },
      }),
      validate('json', authorizeBody),
      async (c) => {
        const body = c.req.valid('json');
        const state = await apply(c, { type: 'Authorize', ...body, at: new Date(deps.now()) });
        if (state.status === 'declined') {
          throw new EdgeMeshError(
            'PAYMENT_DECLINED',
            `The payment was declined: ${state.reason}.`,
            {
              extensions: { paymentId: body.paymentId, reason: state.reason },
            },
          );
        }
        if (state.status === 'voided' || state.status === 'refunded' || state.status === 'none') {
          throw new EdgeMeshError('CONFLICT', `Payment ${body.paymentId} was cancelled.`, {
            extensions: { paymentId: body.paymentId, status: state.status },
          });
        }
        return c.json(view(state), 201);
      },
    )
    .get(
      '/payments/:id',
      operation({
        summary: 'Read a payment',
        responses: { 200: payment('The payment'), 404: 'NOT_FOUND' },
      }),
      validate('param', idParam),
      async (c) => {
        const { state } = await payments.read(deps.eventsFor(c), c.req.valid('param').id);
        if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such payment.');
        return c.json(view(state), 200);
      },
    )
    .post(
      '/payments/:id/confirm',
      operation({
        summary: 'Capture an authorized payment (TCC confirm)',
        responses: {
          200: payment('Captured'),
          404: 'NOT_FOUND',
          409: `CONFLICT: declined, voided or refunded; ${concurrent}`,
        },
      }),
      validate('param', idParam),
      async (c) => {
        const paymentId = c.req.valid('param').id;
        const state = await apply(c, { type: 'Capture', paymentId, at: new Date(deps.now()) });
        return c.json(view(state), 200);
      },
    )
    .post(
      '/payments/:id/cancel',
      operation({
        summary: 'Void an authorization or refund a capture (TCC cancel)',
        responses: {
          200: payment('Voided or refunded (or never authorized)'),
          409: `CONFLICT: declined; ${concurrent}`,
        },
      }),
      validate('param', idParam),
      async (c) => {
        const paymentId = c.req.valid('param').id;
        const state = await apply(c, { type: 'Cancel', paymentId, at: new Date(deps.now()) });
        return c.json(view(state), 200);
      },
    );
}

export type PaymentsApp = ReturnType<typeof paymentsRoutes>;
