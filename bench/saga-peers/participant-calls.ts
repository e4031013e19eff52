// The participant calls of the order workflow, as every peer engine makes them: the same routes,
// bodies and Idempotency-Keys as functions/orders (participants.ts, saga.ts), signed as the
// `orders` service. A business refusal resolves `refused`; anything worth retrying throws, so the
// engine's own retry (its durability) takes over after the few quick attempts made here, as the
// orders function's service client makes them too. Idempotency-Keys are `<orderId>:<saga step>`
// as orders names them (try-inventory, try-payments, confirm).
import { deadlineHeader, requestSigner, signatureHeader } from '../../shared/http/index.ts';
import type { ParticipantRequest, Participants, PeerOrder } from './engine.ts';

/** How long a participant may take with one call, ms (sent as the deadline, as orders does). */
const attemptMs = 8_000;
/** How long inventory holds the stock before it cancels the reservation itself (orders' default). */
const reservationTtlMs = 60_000;
const quickAttempts = 3;

/** A try's answer: done, or refused for good (out of stock, payment declined, …). */
export type TryOutcome = 'done' | 'refused';

/** The six calls of a try/confirm/cancel saga over inventory and payments. */
export interface ParticipantCalls {
  reserve(order: PeerOrder): Promise<TryOutcome>;
  authorize(order: PeerOrder): Promise<TryOutcome>;
  confirmReservation(order: PeerOrder): Promise<void>;
  capture(order: PeerOrder): Promise<void>;
  cancelReservation(order: PeerOrder): Promise<void>;
  cancelPayment(order: PeerOrder): Promise<void>;
}

/** A failure the engine should retry (the participant was busy, down or slow). */
export class TransientParticipantError extends Error {}

/** A refusal of a confirm or cancel: the saga cannot finish; retrying will not help. */
export class ParticipantRefusedError extends Error {}

/**
 * Headers for a call: the deadline, and with `auth` the signature of a caller that has the
 * shared secret (auth v2: method, path, body, deadline and a nonce).
 */
export function signingHeaders(auth: Participants['auth']): Participants['headers'] {
  const signer = auth && requestSigner(auth.secret, { caller: auth.caller });
  const encoder = new TextEncoder();
  const deadlineMs = String(attemptMs);
  return async (
    _service,
    request = { method: 'POST', path: '/' },
  ): Promise<Record<string, string>> => {
    if (!signer) return { [deadlineHeader]: deadlineMs };
    const body = request.body === undefined ? undefined : encoder.encode(request.body).buffer;
    return {
      [signatureHeader]: await signer.sign(request.method, request.path, body, { deadlineMs }),
      [deadlineHeader]: deadlineMs,
    };
  };
}

/** Participants from their URLs and the signing secret (what a child process is given). */
export function participantsOf(options: {
  inventoryUrl: string;
  paymentsUrl: string;
  auth?: Participants['auth'];
}): Participants {
  return { ...options, headers: signingHeaders(options.auth) };
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/** The calls over `participants`, signed with its headers. */
export function participantCalls(participants: Participants): ParticipantCalls {
  async function send(
    service: 'inventory' | 'payments',
    path: string,
    idempotencyKey: string,
    body: unknown,
    refusals: readonly string[],
  ): Promise<TryOutcome> {
    const base = service === 'inventory' ? participants.inventoryUrl : participants.paymentsUrl;
    const text = body === undefined ? undefined : JSON.stringify(body);
    let last = '';
    for (let attempt = 1; attempt <= quickAttempts; attempt += 1) {
      const request: ParticipantRequest = {
        method: 'POST',
        path,
        ...(text === undefined ? {} : { body: text }),
      };
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            ...(await participants.headers(service, request)),
            ...(text === undefined ? {} : { 'content-type': 'application/json' }),
            'idempotency-key': idempotencyKey,
          },
          ...(text === undefined ? {} : { body: text }),
          signal: AbortSignal.timeout(attemptMs),
        });
      } catch (error) {
        last = `${service} ${path}: ${String(error)}`;
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
        continue;
      }
      if (response.ok) {
        await response.body?.cancel();
        return 'done';
      }
      const code = await problemCode(response);
      const key = `${response.status}${code ? ` ${code}` : ''}`;
      last = `${service} answered ${key} to POST ${path}`;
      if (code !== 'CONCURRENCY') {
        if (refusals.includes(key) || refusals.includes(String(response.status))) return 'refused';
        const permanent =
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 408 &&
          response.status !== 429;
        if (permanent) throw new ParticipantRefusedError(last);
      }
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
    throw new TransientParticipantError(last);
  }

  async function mustSucceed(outcome: Promise<TryOutcome>): Promise<void> {
    await outcome;
  }

  return {
    reserve: (order) =>
      send(
        'inventory',
        '/reservations',
        `${order.orderId}:try-inventory`,
        {
          reservationId: order.orderId,
          orderId: order.orderId,
          items: [{ sku: order.sku, quantity: order.quantity }],
          ttlMs: reservationTtlMs,
        },
        ['409 OUT_OF_STOCK', '409 CONFLICT'],
      ),
    authorize: (order) =>
      send(
        'payments',
        '/payments',
        `${order.orderId}:try-payments`,
        {
          paymentId: order.orderId,
          orderId: order.orderId,
          customerId: order.customerId,
          amount: order.amountCents,
          currency: 'USD',
        },
        ['402', '409'],
      ),
    confirmReservation: (order) =>
      mustSucceed(
        send(
          'inventory',
          `/reservations/${order.orderId}/confirm`,
          `${order.orderId}:confirm`,
          undefined,
          [],
        ),
      ),
    capture: (order) =>
      mustSucceed(
        send(
          'payments',
          `/payments/${order.orderId}/confirm`,
          `${order.orderId}:confirm`,
          undefined,
          [],
        ),
      ),
    cancelReservation: (order) =>
      mustSucceed(
        send(
          'inventory',
          `/reservations/${order.orderId}/cancel`,
          `${order.orderId}:cancel-inventory`,
          undefined,
          [],
        ),
      ),
    cancelPayment: (order) =>
      mustSucceed(
        send(
          'payments',
          `/payments/${order.orderId}/cancel`,
          `${order.orderId}:cancel-payments`,
          undefined,
          [],
        ),
      ),
  };
}

/** A durable step as an engine runs it: recorded once, its result replayed after a restart. */
export type DurableStep = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/**
 * The order workflow every engine runs, in its own durable steps, as the orders saga runs it (a
 * TCC): try inventory, try payment, confirm both; a refused try cancels every participant tried
 * so far, the refused one included (its try may have left something behind), in reverse.
 */
export async function orderWorkflow(
  order: PeerOrder,
  calls: ParticipantCalls,
  step: DurableStep,
): Promise<'confirmed' | 'cancelled'> {
  const cancelReservation = () => calls.cancelReservation(order).then(() => 'done' as const);
  const cancelPayment = () => calls.cancelPayment(order).then(() => 'done' as const);
  if ((await step('reserve', () => calls.reserve(order))) === 'refused') {
    await step('cancel-reservation', cancelReservation);
    return 'cancelled';
  }
  if ((await step('authorize', () => calls.authorize(order))) === 'refused') {
    await step('cancel-payment', cancelPayment);
    await step('cancel-reservation', cancelReservation);
    return 'cancelled';
  }
  await step('confirm-reservation', () => calls.confirmReservation(order).then(() => 'done'));
  await step('capture', () => calls.capture(order).then(() => 'done'));
  return 'confirmed';
}
