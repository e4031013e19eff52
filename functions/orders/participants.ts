import { EdgeMeshError } from '../../shared/errors/index.ts';
import { deadlineHeader } from '../../shared/http/index.ts';
import { StepRejectedError } from '../../shared/saga/index.ts';
import type { ServiceClient } from '../../shared/service/index.ts';
import type { InventoryApp } from '../inventory/app.ts';
import type { PaymentsApp } from '../payments/app.ts';
import type { OrderItem } from './schema.ts';

/** How one participant call is made: its abort, trace headers and Idempotency-Key. */
export interface CallOptions {
  signal: AbortSignal;
  /** `traceparent`/`tracestate` to forward. */
  headers: Readonly<Record<string, string>>;
  /** `<sagaId>:<step>`: lets the service client retry the POST safely. */
  idempotencyKey: string;
  /** The step's remaining budget, ms, sent as the deadline. */
  deadlineMs: number;
}

/**
 * The order saga's two TCC participants, as calls. Each resolves on success, throws
 * StepRejectedError for a business refusal (reason `out_of_stock`, `payment_declined`,
 * `timeout`, …) and anything else for a failure worth retrying.
 */
export interface OrderParticipants {
  reserve(
    request: { reservationId: string; orderId: string; items: OrderItem[]; ttlMs: number },
    call: CallOptions,
  ): Promise<void>;
  confirmReservation(reservationId: string, call: CallOptions): Promise<void>;
  cancelReservation(reservationId: string, call: CallOptions): Promise<void>;
  authorize(
    request: {
      paymentId: string;
      orderId: string;
      customerId: string;
      amount: number;
      currency: string;
    },
    call: CallOptions,
  ): Promise<void>;
  capture(paymentId: string, call: CallOptions): Promise<void>;
  cancelPayment(paymentId: string, call: CallOptions): Promise<void>;
}

/** What `outcome` reads of a response (hono/client's ClientResponse and a Response alike). */
interface Answer {
  readonly ok: boolean;
  readonly status: number;
  readonly body: ReadableStream | null;
  json(): Promise<unknown>;
}

async function problemCode(response: Answer): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/** Maps a participant's answer: 2xx passes, a known refusal is rejected, the rest is retried. */
async function outcome(
  service: string,
  operation: string,
  response: Answer,
  refusals: Readonly<Record<string, string>>,
): Promise<void> {
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const code = await problemCode(response);
  const key = `${response.status}${code ? ` ${code}` : ''}`;
  if (code === 'CONCURRENCY') {
    // The participant lost too many races on a hot stream: transient, worth another attempt.
    throw new EdgeMeshError('UPSTREAM', `${service} was busy with ${operation}: ${key}.`);
  }
  const reason = refusals[key] ?? refusals[String(response.status)];
  if (reason) {
    throw new StepRejectedError(reason, `${service} refused ${operation}: ${key}.`);
  }
  if (
    response.status >= 400 &&
    response.status < 500 &&
    response.status !== 408 &&
    response.status !== 429
  ) {
    // A request the participant will never accept: retrying would not help.
    throw new StepRejectedError(
      `${service}_${(code ?? String(response.status)).toLowerCase()}`,
      `${service} answered ${key} to ${operation}.`,
    );
  }
  throw new EdgeMeshError('UPSTREAM', `${service} answered ${key} to ${operation}.`);
}

function requestOptions(call: CallOptions) {
  return {
    headers: {
      ...call.headers,
      'idempotency-key': call.idempotencyKey,
      [deadlineHeader]: String(Math.max(1, Math.floor(call.deadlineMs))),
    },
    init: { signal: call.signal },
  };
}

/**
 * The participants over HTTP, through the toolkit's resilient service clients (discovery,
 * breaker, retries with Idempotency-Key, deadline, service auth).
 */
export function httpParticipants(clients: {
  /** The client in force (a settings change brings a new one for the next call). */
  inventory: () => ServiceClient<InventoryApp>;
  payments: () => ServiceClient<PaymentsApp>;
}): OrderParticipants {
  const { inventory, payments } = clients;
  return {
    async reserve(request, call) {
      const response = await inventory().reservations.$post(
        { json: request },
        requestOptions(call),
      );
      await outcome('inventory', 'the reservation', response, {
        '409 OUT_OF_STOCK': 'out_of_stock',
        '409 CONFLICT': 'reservation_closed',
      });
    },
    async confirmReservation(id, call) {
      const response = await inventory().reservations[':id'].confirm.$post(
        { param: { id } },
        requestOptions(call),
      );
      await outcome('inventory', 'the confirmation', response, {
        '409 RESERVATION_EXPIRED': 'timeout',
        '409 CONFLICT': 'reservation_closed',
      });
    },
    async cancelReservation(id, call) {
      const response = await inventory().reservations[':id'].cancel.$post(
        { param: { id } },
        requestOptions(call),
      );
      await outcome('inventory', 'the cancellation', response, {});
    },
    async authorize(request, call) {
      const response = await payments().payments.$post({ json: request }, requestOptions(call));
      await outcome('payments', 'the authorization', response, {
        '402': 'payment_declined',
        '409': 'payment_conflict',
      });
    },
    async capture(id, call) {
      const response = await payments().payments[':id'].confirm.$post(
        { param: { id } },
        requestOptions(call),
      );
      await outcome('payments', 'the capture', response, { '409': 'payment_closed' });
    },
    async cancelPayment(id, call) {
      const response = await payments().payments[':id'].cancel.$post(
        { param: { id } },
        requestOptions(call),
      );
      await outcome('payments', 'the void', response, {});
    },
  };
}
