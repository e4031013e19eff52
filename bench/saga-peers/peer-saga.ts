// The order workflow every peer engine runs, as the orders function's saga does it: the same
// routes, bodies and Idempotency-Keys (`<orderId>:<saga step>`), the same reading of answers.
// An engine only supplies `step`: how it records (and retries) one participant call, which
// resolves with its outcome or throws a failure worth retrying.
import type { Participants, PeerOrder } from './engine.ts';

/** One participant call of the workflow; also the name of the engine's recorded step. */
export type PeerStep =
  | 'reserve'
  | 'authorize'
  | 'confirm-reservation'
  | 'capture'
  | 'cancel-payment'
  | 'cancel-reservation';

/** A call's outcome: done, or refused by the participant (the saga compensates). */
export type StepResult = 'done' | 'refused';

/** How payments decides a decline: a customer id starting with `decline-` (functions/payments/domain.ts). */
const declinedCustomerPrefix = 'decline-';
/** The orders function's default reservation hold (ORDERS_RESERVATION_TTL_MS). */
const reservationTtlMs = 60_000;
/** The orders saga's per-attempt deadline, sent as the deadline header. */
const attemptMs = 8_000;

interface Route {
  service: 'inventory' | 'payments';
  path: string;
  body?: unknown;
  /** The saga step the orders function names the call's Idempotency-Key after. */
  sagaStep: 'try-inventory' | 'try-payments' | 'confirm';
  /** `<status>` or `<status> <problem code>` answers that are refusals, not failures. */
  refusals: readonly string[];
}

function routeOf(step: PeerStep, order: PeerOrder): Route {
  const id = encodeURIComponent(order.orderId);
  switch (step) {
    case 'reserve':
      return {
        service: 'inventory',
        path: '/reservations',
        body: {
          reservationId: order.orderId,
          orderId: order.orderId,
          items: [{ sku: order.sku, quantity: order.quantity }],
          ttlMs: reservationTtlMs,
        },
        sagaStep: 'try-inventory',
        refusals: ['409 OUT_OF_STOCK', '409 CONFLICT'],
      };
    case 'authorize':
      return {
        service: 'payments',
        path: '/payments',
        body: {
          paymentId: order.orderId,
          orderId: order.orderId,
          customerId: order.decline
            ? `${declinedCustomerPrefix}${order.customerId}`
            : order.customerId,
          amount: order.amountCents,
          currency: 'USD',
        },
        sagaStep: 'try-payments',
        refusals: ['402', '409'],
      };
    case 'confirm-reservation':
      return {
        service: 'inventory',
        path: `/reservations/${id}/confirm`,
        sagaStep: 'confirm',
        refusals: ['409 RESERVATION_EXPIRED', '409 CONFLICT'],
      };
    case 'capture':
      return {
        service: 'payments',
        path: `/payments/${id}/confirm`,
        sagaStep: 'confirm',
        refusals: ['409'],
      };
    case 'cancel-payment':
      return {
        service: 'payments',
        path: `/payments/${id}/cancel`,
        sagaStep: 'try-payments',
        refusals: [],
      };
    case 'cancel-reservation':
      return {
        service: 'inventory',
        path: `/reservations/${id}/cancel`,
        sagaStep: 'try-inventory',
        refusals: [],
      };
  }
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One participant call over HTTP: 2xx is done, a known refusal (or a 4xx the participant will
 * never accept) is refused, anything else throws for the engine to retry.
 */
export async function callParticipant(
  participants: Participants,
  step: PeerStep,
  order: PeerOrder,
): Promise<StepResult> {
  const route = routeOf(step, order);
  const base = route.service === 'inventory' ? participants.inventoryUrl : participants.paymentsUrl;
  const response = await fetch(`${base}${route.path}`, {
    method: 'POST',
    headers: {
      ...(await participants.headers(route.service)),
      'content-type': 'application/json',
      'idempotency-key': `${order.orderId}:${route.sagaStep}`,
      'x-edgemesh-deadline-ms': String(attemptMs),
    },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
    signal: AbortSignal.timeout(attemptMs),
  });
  if (response.ok) {
    // Read to the end: a cancelled body closes the connection instead of reusing it.
    await response.arrayBuffer();
    return 'done';
  }
  const code = await problemCode(response);
  const answer = `${response.status}${code ? ` ${code}` : ''}`;
  if (code === 'CONCURRENCY') throw new Error(`${route.service} was busy: ${answer}`);
  const { status } = response;
  const refused =
    route.refusals.includes(answer) ||
    route.refusals.includes(String(status)) ||
    (status >= 400 && status < 500 && status !== 408 && status !== 429);
  // A cancel is never refused: it is retried until the participant takes it.
  if (refused && route.refusals.length > 0) return 'refused';
  throw new Error(`${route.service} answered ${answer} to ${step} of ${order.orderId}`);
}

/**
 * The TCC: reserve, authorize, then confirm both; a refused try or confirm cancels every
 * participant tried so far (the refused one included), in reverse.
 */
export async function runPeerSaga(
  step: (name: PeerStep) => Promise<StepResult>,
): Promise<'confirmed' | 'cancelled'> {
  const tried: PeerStep[] = [];
  const cancelAll = async (): Promise<'cancelled'> => {
    for (const name of tried.reverse()) {
      await step(name === 'authorize' ? 'cancel-payment' : 'cancel-reservation');
    }
    return 'cancelled';
  };
  for (const name of ['reserve', 'authorize'] as const) {
    tried.push(name);
    if ((await step(name)) === 'refused') return cancelAll();
  }
  for (const name of ['confirm-reservation', 'capture'] as const) {
    if ((await step(name)) === 'refused') return cancelAll();
  }
  return 'confirmed';
}
