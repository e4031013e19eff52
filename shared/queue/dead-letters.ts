import type { Handler } from 'hono';
import * as z from 'zod';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { nonRetryable } from './non-retryable.ts';
import type { SignatureVerifier } from './signature.ts';
import { requestScope } from '../telemetry/hono.ts';

/** The JSON QStash POSTs to a failure callback when a message's retries are exhausted. */
export const failureCallbackBody = z.object({
  status: z.number().int(),
  header: z.record(z.string(), z.array(z.string())).optional(),
  /** The last response body, base64. */
  body: z.string().optional(),
  retried: z.number().int().optional(),
  maxRetries: z.number().int().optional(),
  sourceMessageId: z.string().min(1),
  topicName: z.string().optional(),
  endpointName: z.string().optional(),
  url: z.string(),
  method: z.string().optional(),
  sourceHeader: z.record(z.string(), z.array(z.string())).optional(),
  /** The message body, base64. */
  sourceBody: z.string().optional(),
  dlqId: z.string().optional(),
});

/** A dead letter as a consumer recorded it from QStash's failure callback. */
export interface DeadLetter {
  /** The DLQ entry id, to replay with `npm run dlq -- replay <id>`. */
  readonly dlqId?: string;
  readonly messageId: string;
  readonly url: string;
  readonly topic?: string;
  /** Status of the last attempt (0 when no response arrived). */
  readonly status: number;
  /** The last response body, as text, cut at {@link deadLetterTextLimit} characters. */
  readonly responseBody: string;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly retried: number;
  readonly maxRetries?: number;
  /** The message body, as text, cut at {@link deadLetterTextLimit} characters. */
  readonly messageBody: string;
  /** ISO 8601 time the callback was recorded. */
  readonly recordedAt: string;
}

/** Longest response or message body kept with a dead letter, in characters. */
export const deadLetterTextLimit = 8192;

/** Event type of a recorded dead letter. */
export const deadLetterEventType = 'MessageDeadLettered';

/** Schemas to add to an event store that records dead letters. */
export const deadLetterEventSchemas = {
  [deadLetterEventType]: z
    .object({
      messageId: z.string(),
      url: z.string(),
      status: z.number().int(),
      responseBody: z.string(),
      messageBody: z.string(),
      recordedAt: z.iso.datetime(),
    })
    .loose(),
};

/** The stream that holds a consumer's dead letters. */
export const deadLetterStream = (name: string) => `dead-letters-${name}`;

function decodeBase64(value: string | undefined): string {
  if (!value) return '';
  try {
    const bytes = Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
    return new TextDecoder().decode(bytes).slice(0, deadLetterTextLimit);
  } catch {
    return value.slice(0, deadLetterTextLimit);
  }
}

export interface DeadLetterOptions {
  /** Whose dead letters these are: stream `dead-letters-<name>`. */
  name: string;
  verify: SignatureVerifier;
  store: EventStore;
  /** Clock, ms since the epoch. Default Date.now. */
  now?: () => number;
}

/**
 * A Hono handler for QStash's failure callback: verifies the signature, records the dead
 * letter with the last response once per message (a repeated callback writes nothing), and
 * answers 200 after the write committed. For messages published straight to a consumer's URL;
 * deliveries through a topic are recorded by the consumer itself (see `consumer`).
 * @example app.post('/dead-letters', deadLetterHandler({ name: 'notifications', verify, store }))
 */
export function deadLetterHandler({
  name,
  verify,
  store,
  now = () => Date.now(),
}: DeadLetterOptions): Handler {
  return async function recordFailureCallback(c) {
    const signature = c.req.header('upstash-signature');
    if (!signature) throw new EdgeMeshError('SIGNATURE', 'Upstash-Signature is missing.');
    const raw = await c.req.text();
    if (!(await verify({ signature, body: raw, url: c.req.url }))) {
      throw new EdgeMeshError('SIGNATURE', 'Upstash-Signature does not match this callback.');
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (cause) {
      throw nonRetryable('The failure callback body is not JSON.', { cause });
    }
    const parsed = failureCallbackBody.safeParse(json);
    if (!parsed.success) throw nonRetryable('The failure callback body is not QStash’s.');
    const callback = parsed.data;
    const at = new Date(now());
    const letter: DeadLetter = {
      ...(callback.dlqId ? { dlqId: callback.dlqId } : {}),
      messageId: callback.sourceMessageId,
      url: callback.url,
      ...(callback.topicName ? { topic: callback.topicName } : {}),
      status: callback.status,
      responseBody: decodeBase64(callback.body),
      responseHeaders: Object.fromEntries(
        Object.entries(callback.header ?? {}).map(([key, values]) => [key, values.join(', ')]),
      ),
      retried: callback.retried ?? 0,
      ...(callback.maxRetries !== undefined ? { maxRetries: callback.maxRetries } : {}),
      messageBody: decodeBase64(callback.sourceBody),
      recordedAt: at.toISOString(),
    };
    const recorded = await recordDeadLetter(store, name, letter, c.req.raw.signal);
    if (recorded) requestScope(c)?.metrics.recordDeadLetter(name);
    return c.json({ status: recorded ? 'recorded' : 'duplicate' }, 200);
  };
}

/**
 * Records a dead letter in `dead-letters-<name>`, once per message id (the consumer's own record
 * of a poison message and QStash's failure callback for it collapse into one); true when written.
 */
export async function recordDeadLetter(
  store: EventStore,
  name: string,
  letter: DeadLetter,
  signal?: AbortSignal,
): Promise<boolean> {
  const at = new Date(letter.recordedAt);
  const result = await store.append(
    deadLetterStream(name),
    [{ type: deadLetterEventType, data: letter }],
    {
      streamType: 'dead-letters',
      at,
      metadata: { causationId: letter.messageId },
      idempotency: {
        scope: `dead-letters:${name}`,
        key: letter.messageId,
        requestHash: letter.messageId,
      },
      ...(signal ? { signal } : {}),
    },
  );
  return result.status === 'appended';
}

/** A consumer's recorded dead letters, newest first. */
export async function readDeadLetters(
  store: EventStore,
  name: string,
  { limit = 100, signal }: { limit?: number; signal?: AbortSignal } = {},
): Promise<DeadLetter[]> {
  const events = await store.readStream(deadLetterStream(name), {
    direction: 'backwards',
    limit,
    ...(signal ? { signal } : {}),
  });
  return events.map((event) => event.data as DeadLetter);
}
