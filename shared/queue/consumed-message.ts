import type { Context } from 'hono';
import type * as z from 'zod';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { traceIdOf } from '../errors/hono.ts';
import type { EventStore, IdempotencyClaim } from '../event-store/event-store.ts';
import { fieldIssues } from '../http/validate.ts';
import { checkJson, defaultJsonLimits } from '../http/json-limits.ts';
import { requestScope } from '../telemetry/hono.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import type { ConsumedMessage, ConsumeStatus } from './consumer-types.ts';
import { nonRetryable } from './non-retryable.ts';
import { messageDeadlineHeader } from './publisher.ts';

/** A delivery's body and headers once parsed and validated. */
export interface ParsedDelivery<Body> {
  readonly body: Body;
  /** `Upstash-Message-Id`. */
  readonly messageId: string;
  /** The event's own id from the body, when it has one. */
  readonly eventId: string | undefined;
  /** When the publisher's caller gives up, ms since the epoch. */
  readonly deadline: number | undefined;
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
 * Parses a verified body against `schema` and reads the message id and deadline headers; what
 * cannot be processed throws `nonRetryable` (489), a schema mismatch counted as poison.
 */
export function parseDelivery<Schema extends z.ZodType>(
  c: Context,
  raw: string,
  name: string,
  schema: Schema,
  eventIdOf: (body: z.infer<Schema>) => string | undefined,
): ParsedDelivery<z.infer<Schema>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw nonRetryable('The message body is not JSON.', { cause });
  }
  try {
    // NUL and control characters, lone surrogates and outsized values can never be stored.
    checkJson(json, defaultJsonLimits, '', 0);
  } catch (cause) {
    requestScope(c)?.metrics.recordDelivery(name, 'poison');
    throw nonRetryable('The message holds a value that can never be stored.', {
      cause,
      issues: (cause as { issues?: { path: string; message: string }[] }).issues ?? [],
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    requestScope(c)?.metrics.recordDelivery(name, 'poison');
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
  return { body, messageId, eventId, deadline };
}

/** A consumed message and what its handling came to so far. */
export interface MessageInHand<Body> {
  readonly message: ConsumedMessage<Body>;
  /** `duplicate` once `append` found the inbox claim taken, else `processed`. */
  readonly outcome: () => ConsumeStatus;
}

/**
 * The message handed to a consumer's handler; its `append` (once per message) writes the inbox
 * claim, keyed by event id else message id, in the same statement as the handler's events.
 */
export function consumedMessage<Body>(
  c: Context,
  { name, store }: { readonly name: string; readonly store: EventStore },
  { body, messageId, eventId, deadline }: ParsedDelivery<Body>,
  signal: AbortSignal,
  scope: TraceScope | undefined,
): MessageInHand<Body> {
  const traceId = traceIdOf(c);
  const inbox: IdempotencyClaim = {
    scope: `inbox:${name}`,
    key: eventId ?? `message:${messageId}`,
    requestHash: messageId,
  };
  let outcome: ConsumeStatus = 'processed';
  let appended = false;
  const message: ConsumedMessage<Body> = {
    body,
    messageId,
    ...(eventId ? { eventId } : {}),
    retried: Number(c.req.header('upstash-retried') ?? 0) || 0,
    ...(c.req.header('upstash-topic-name') ? { topic: c.req.header('upstash-topic-name') } : {}),
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
  return { message, outcome: () => outcome };
}
