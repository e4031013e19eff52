import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../../shared/errors/edgemesh-error.ts';
import { problemErrorHandler, problemNotFound } from '../../shared/errors/hono.ts';
import { isConcurrencyError } from '../../shared/event-store/concurrency-error.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { tracedEventStore } from '../../shared/event-store/traced.ts';
import { healthHandler } from '../../shared/health/health.ts';
import { validate } from '../../shared/http/validate.ts';
import { requestScope } from '../../shared/telemetry/hono.ts';
import type { PaymentsDeps } from './deps.ts';
import {
  decidePayment,
  evolvePayment,
  initialPayment,
  type PaymentCommand,
  type PaymentState,
} from './domain.ts';
import { authorizeBody, idParam, paymentView } from './schema.ts';

/** One document per payment, written with its events. */
export const paymentsProjection = 'payments';
export const paymentStream = (id: string) => `payment-${id}`;
/** Idempotency scope that allows one payment per order: a second one is refused. */
export const paymentPerOrderScope = 'payments-order';

const maxRaces = 10;

/** The payments service: authorize, capture (confirm), void or refund (cancel), as a TCC participant. */
export function createPaymentsApp(deps: PaymentsDeps) {
  const pass: MiddlewareHandler = (_c, next) => next();
  const serviceAuth = deps.serviceAuth ?? pass;

  async function load(events: EventStore, id: string) {
    const found = await events.readDocument<PaymentState>(paymentsProjection, id);
    return { state: found?.doc ?? initialPayment(), version: found?.version ?? 0 };
  }

  /**
   * Decides on the payment's latest state and appends, again on a lost race. An authorization
   * usually creates the payment, so its first attempt assumes a new one and skips the read.
   */
  async function apply(c: Context, command: PaymentCommand): Promise<PaymentState> {
    const events = tracedEventStore(deps.events, requestScope(c));
    const id = command.paymentId;
    for (let race = 0; ; race += 1) {
      const guess = race === 0 && command.type === 'Authorize';
      const { state, version } = guess
        ? { state: initialPayment(), version: 0 }
        : await load(events, id);
      const decided = decidePayment(command, state);
      if (decided.length === 0) {
        if (guess) continue;
        return state;
      }
      const next = decided.reduce(evolvePayment, state);
      try {
        const result = await events.append(paymentStream(id), decided, {
          streamType: 'payment',
          expectedVersion: version === 0 ? 'no_stream' : version,
          at: command.at,
          documents: [{ projection: paymentsProjection, id, doc: next }],
          // One authorization per order, so an order can never be captured twice.
          ...(command.type === 'Authorize'
            ? {
                idempotency: { scope: paymentPerOrderScope, key: command.orderId, requestHash: id },
              }
            : {}),
        });
        if (result.status === 'mismatch') {
          throw new EdgeMeshError('CONFLICT', 'This order already has another payment.', {
            extensions: { orderId: command.type === 'Authorize' ? command.orderId : undefined },
          });
        }
        return result.status === 'appended' ? next : (await load(events, id)).state;
      } catch (error) {
        if (!isConcurrencyError(error) || race >= maxRaces) throw error;
      }
    }
  }

  const view = (state: PaymentState) => paymentView.parse(state);

  const app = new Hono()
    .post('/payments', serviceAuth, validate('json', authorizeBody), async (c) => {
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
      const { state } = await load(
        tracedEventStore(deps.events, requestScope(c)),
        c.req.valid('param').id,
      );
      if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such payment.');
      return c.json(view(state), 200);
    })
    .post('/payments/:id/confirm', serviceAuth, validate('param', idParam), async (c) => {
      const paymentId = c.req.valid('param').id;
      return c.json(
        view(await apply(c, { type: 'Capture', paymentId, at: new Date(deps.now()) })),
        200,
      );
    })
    .post('/payments/:id/cancel', serviceAuth, validate('param', idParam), async (c) => {
      const paymentId = c.req.valid('param').id;
      return c.json(
        view(await apply(c, { type: 'Cancel', paymentId, at: new Date(deps.now()) })),
        200,
      );
    })
    .get('/health', healthHandler(deps));
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  return app;
}

export type PaymentsApp = ReturnType<typeof createPaymentsApp>;
