import type { Context, Handler } from 'hono';
import type { z } from 'zod';
import { EdgeMeshError, isEdgeMeshError } from '../errors/edgemesh-error.ts';
import type {
  AppendOptions,
  EventStore,
  IdempotencyClaim,
  NewEvent,
} from '../event-store/event-store.ts';
import { fieldIssues } from '../http/validate.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import { deadLetterTextLimit, recordDeadLetter } from './dead-letters.ts';
import { nonRetryable } from './non-retryable.ts';
import { maxRetriesHeader, messageDeadlineHeader } from './publisher.ts';
import type { SignatureVerifier } from './signature.ts';
import { traceIdOf } from '../errors/hono.ts';
import { toProblem } from '../errors/problem.ts';
import { requestScope } from '../telemetry/hono.ts';

/** What a consumer did with a message; answered as `200 {status, messageId, eventId?}`. */
export type ConsumeStatus = 'processed' | 'duplicate' | 'expired';

/** A verified, validated message handed to a consumer's handler. */
export interface ConsumedMessage<Body> {
  readonly body: Body;
  /** `Upstash-Message-Id`: a redelivery carries the same id. */
  readonly messageId: string;
  /** The event's own id (from the body), when it has one: the same event sent twice shares it. */
  readonly eventId?: string;
  /** `Upstash-Retried`: 0 on the first attempt. */
  readonly retried: number;
  /** `Upstash-Topic-Name` when delivered through a topic. */
  readonly topic?: string;
  /** When the publisher's caller gives up, ms since the epoch. */
  readonly deadline?: number;
  /** Aborts when the deadline passes or the delivery is cancelled; pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** The trace this message's handling belongs to (the publisher's, when it sent `traceparent`). */
  readonly traceId?: string;
  /** The handling's telemetry scope, when the app is instrumented. */
  readonly scope?: TraceScope;
  /** The inbox record: an idempotency claim keyed by event id (else message id). */
  readonly inbox: IdempotencyClaim;
  /**
   * Appends the handler's writes with the inbox claim in the same statement, so both commit
   * together; `'duplicate'` (nothing written) when this event was processed before. Once per message.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: Omit<AppendOptions, 'idempotency' | 'signal'>,
  ): Promise<'appended' | 'duplicate'>;
}

export interface ConsumerOptions<Schema extends z.ZodType> {
  /** The consumer's name: its inbox scope is `inbox:<name>`. */
  name: string;
  /** The message body's schema; a body that fails it is answered 489 (never retried). */
  schema: Schema;
  /** Checks `Upstash-Signature` before the body is parsed; see `qstashVerifier`. */
  verify: SignatureVerifier;
  /** Where the inbox claims and the handler's writes go. */
  store: EventStore;
  /** Handles one message; throw `nonRetryable()` for a message that can never succeed. */
  handle: (message: ConsumedMessage<z.infer<Schema>>, c: Context) => Promise<void>;
  /** The event id of a body. Default its string `eventId` field. */
  eventIdOf?: (body: z.infer<Schema>) => string | undefined;
  /** The URL the message was delivered to, checked against the token's `sub`. Default `c.req.url`. */
  deliveredUrl?: (c: Context) => string;
  /** Clock, ms since the epoch. Default Date.now. */
  now?: () => number;
  /**
   * Record what this consumer gives up on in its own `dead-letters-<name>` stream: a poison
   * message (answered 489) and a failure on the last attempt the publisher announced
   * (`x-edgemesh-max-retries`). The store must accept `deadLetterEventSchemas`. Default false.
   */
  recordDeadLetters?: boolean;
}

/** Whether QStash will not deliver this message again after this answer. */
function isFinal(c: Context, error: unknown): boolean {
  if (isEdgeMeshError(error) && error.code === 'UNPROCESSABLE_MESSAGE') return true;
  const max = Number(c.req.header(maxRetriesHeader));
  const retried = Number(c.req.header('upstash-retried') ?? 0);
  return Number.isInteger(max) && retried >= max;
}

function defaultEventId(body: unknown): string | undefined {
  const id = (body as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

function readDeadline(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    throw nonRetryable(`${messageDeadlineHeader} must be whole ms since the epoch.`, {
      issues: [{ path: `header.${messageDeadlineHeader}`, message: 'expected an integer' }],
    });
  }
  return Number(raw);
}

/**
 * A Hono handler for QStash deliveries. In order: verifies `Upstash-Signature` (current, then
 * next key; the delivered URL must match) before the body is parsed, else 401; parses and
 * validates the body, else 489 non-retryable; acknowledges without work a message whose deadline
 * passed; runs the handler, whose `append` writes the inbox claim in the same statement as its
 * events; answers 200 only after that statement committed. A handler error is a problem
 * response (5xx → QStash retries).
 * @example app.post('/events/orders', consumer({ name: 'notifications', schema, verify, store, handle }))
 */
export function consumer<Schema extends z.ZodType>({
  name,
  schema,
  verify,
  store,
  handle,
  eventIdOf = defaultEventId,
  deliveredUrl = (c) => c.req.url,
  now = () => Date.now(),
  recordDeadLetters = false,
}: ConsumerOptions<Schema>): Handler {
  async function deadLetter(c: Context, raw: string, error: unknown): Promise<void> {
    const messageId = c.req.header('upstash-message-id');
    if (!messageId) return;
    const problem = toProblem(error, { instance: c.req.path });
    const maxRetries = Number(c.req.header(maxRetriesHeader));
    const recorded = await recordDeadLetter(store, name, {
      messageId,
      url: deliveredUrl(c),
      ...(c.req.header('upstash-topic-name') ? { topic: c.req.header('upstash-topic-name') } : {}),
      status: problem.status,
      responseBody: JSON.stringify(problem).slice(0, deadLetterTextLimit),
      responseHeaders: {},
      retried: Number(c.req.header('upstash-retried') ?? 0) || 0,
      ...(Number.isInteger(maxRetries) ? { maxRetries } : {}),
      messageBody: raw.slice(0, deadLetterTextLimit),
      recordedAt: new Date(now()).toISOString(),
    });
    if (recorded) requestScope(c)?.metrics.recordDeadLetter(name);
  }

  return async function consumeMessage(c) {
    const signature = c.req.header('upstash-signature');
    if (!signature) throw new EdgeMeshError('SIGNATURE', 'Upstash-Signature is missing.');
    const raw = await c.req.text();
    if (!(await verify({ signature, body: raw, url: deliveredUrl(c) }))) {
      throw new EdgeMeshError(
        'SIGNATURE',
        'Upstash-Signature does not match this body and URL, or has expired.',
      );
    }
    try {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (cause) {
        throw nonRetryable('The message body is not JSON.', { cause });
      }
      const scope = requestScope(c);
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        scope?.metrics.recordDelivery(name, 'poison');
        throw nonRetryable('The message does not match its schema.', {
          cause: parsed.error,
          issues: fieldIssues(parsed.error),
        });
      }
      const body = parsed.data;
      const messageId = c.req.header('upstash-message-id');
      if (!messageId) throw nonRetryable('Upstash-Message-Id is missing.');
      const eventId = eventIdOf(body);
      const deadline = readDeadline(c.req.header(messageDeadlineHeader));
      const answer = (status: ConsumeStatus) =>
        c.json({ status, messageId, ...(eventId ? { eventId } : {}) }, 200);
      if (deadline !== undefined && deadline <= now()) {
        scope?.metrics.recordDelivery(name, 'expired');
        return answer('expired');
      }

      const traceId = traceIdOf(c);
      const signals = [c.req.raw.signal];
      if (deadline !== undefined) {
        signals.push(AbortSignal.timeout(Math.max(0, deadline - now())));
      }
      const signal = AbortSignal.any(signals);
      const inbox: IdempotencyClaim = {
        scope: `inbox:${name}`,
        key: eventId ?? `message:${messageId}`,
        requestHash: messageId,
      };
      let outcome: ConsumeStatus = 'processed';
      let appended = false;
      const message: ConsumedMessage<z.infer<Schema>> = {
        body,
        messageId,
        ...(eventId ? { eventId } : {}),
        retried: Number(c.req.header('upstash-retried') ?? 0) || 0,
        ...(c.req.header('upstash-topic-name')
          ? { topic: c.req.header('upstash-topic-name') }
          : {}),
        ...(deadline !== undefined ? { deadline } : {}),
        signal,
        ...(traceId ? { traceId } : {}),
        ...(scope ? { scope } : {}),
        inbox,
        async append(streamId, events, options) {
          if (appended) {
            throw new EdgeMeshError('INTERNAL', `consumer ${name} appended twice for one message`);
          }
          appended = true;
          const result = await store.append(streamId, events, {
            ...options,
            idempotency: inbox,
            signal,
            trace: scope,
            metadata: {
              causationId: eventId ?? messageId,
              ...(c.req.header('traceparent') ? { traceparent: c.req.header('traceparent') } : {}),
              ...options.metadata,
            },
          });
          if (result.status === 'appended') return 'appended';
          outcome = 'duplicate';
          return 'duplicate';
        },
      };
      const run = () => handle(message, c);
      try {
        if (scope) {
          await scope.run(`consume ${name}`, run, {
            attributes: {
              'messaging.system': 'qstash',
              'messaging.message.id': messageId,
              'messaging.consumer.group.name': name,
              ...(eventId ? { 'messaging.message.event_id': eventId } : {}),
            },
          });
        } else {
          await run();
        }
      } catch (error) {
        scope?.metrics.recordDelivery(
          name,
          isEdgeMeshError(error) && error.code === 'UNPROCESSABLE_MESSAGE' ? 'poison' : 'failed',
        );
        if (deadline !== undefined && signal.aborted && !isEdgeMeshError(error)) {
          throw new EdgeMeshError('TIMEOUT', 'The message deadline passed while handling it.', {
            cause: error,
          });
        }
        throw error;
      }
      scope?.metrics.recordDelivery(name, outcome);
      return answer(outcome);
    } catch (error) {
      if (recordDeadLetters && isFinal(c, error)) {
        await deadLetter(c, raw, error).catch((cause: unknown) =>
          requestScope(c)?.log.warn('could not record a dead letter', { error: cause }),
        );
      }
      throw error;
    }
  };
}
