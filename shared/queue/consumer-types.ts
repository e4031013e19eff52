import type { Context } from 'hono';
import type * as z from 'zod';
import type {
  AppendOptions,
  EventStore,
  IdempotencyClaim,
  NewEvent,
} from '../event-store/event-store.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import type { SignatureVerifier } from './signature.ts';

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

/** Options of `consumer`: its name, body schema, verifier, store and handler. */
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
