import { signDelivery } from '../signing.ts';
import { httpSend } from './http-send.ts';
import type { PendingMessage } from '../message.ts';
import type { AttemptResult } from './outcome.ts';

/** How one attempt is made. */
export interface AttemptOptions {
  signingKey: string;
  nowMs: number;
  /** Used when the message has no Upstash-Timeout, ms. */
  defaultTimeoutMs: number;
  /** Aborts the attempt when the server stops. */
  signal: AbortSignal;
  /** Largest response body kept for logs, the DLQ and callbacks, bytes. */
  maxResponseBytes: number;
}

const noBody = new Set(['GET', 'HEAD']);

/** The headers QStash sends with a delivery (PROTOCOLS §2.4). */
export function deliveryHeaders(
  message: PendingMessage,
  signature: string,
): Record<string, string> {
  const { spec } = message;
  return {
    ...spec.headers,
    'User-Agent': 'Upstash-QStash',
    'Upstash-Message-Id': message.id,
    'Upstash-Retried': String(message.retried),
    'Upstash-Signature': signature,
    ...(spec.topicName ? { 'Upstash-Topic-Name': spec.topicName } : {}),
    ...(spec.scheduleId ? { 'Upstash-Schedule-Id': spec.scheduleId } : {}),
    ...(spec.callerIp ? { 'Upstash-Caller-Ip': spec.callerIp } : {}),
  };
}

/** Sends one signed delivery; a timeout or connection failure comes back as status 0. */
export async function attemptDelivery(
  message: PendingMessage,
  options: AttemptOptions,
): Promise<AttemptResult> {
  const { spec } = message;
  const body = noBody.has(spec.method) ? Buffer.alloc(0) : message.body;
  const signature = signDelivery(options.signingKey, spec.url, body, options.nowMs);
  const timeoutMs = spec.timeoutMs ?? options.defaultTimeoutMs;
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    return await httpSend(spec.url, {
      method: spec.method,
      headers: deliveryHeaders(message, signature),
      body: noBody.has(spec.method) ? undefined : body,
      signal,
      maxBytes: options.maxResponseBytes,
    });
  } catch (error) {
    const reason =
      signal.aborted && !options.signal.aborted
        ? `timed out after ${timeoutMs} ms`
        : (error as Error).message;
    return { status: 0, headers: new Headers(), body: Buffer.alloc(0), error: reason };
  }
}
