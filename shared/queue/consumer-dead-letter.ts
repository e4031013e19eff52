import type { Context } from 'hono';
import { isEdgeMeshError } from '../errors/edgemesh-error.ts';
import { toProblem } from '../errors/problem.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { requestScope } from '../telemetry/hono.ts';
import { deadLetterTextLimit, recordDeadLetter } from './dead-letters.ts';
import { maxRetriesHeader } from './publisher.ts';

/** Whether QStash will not deliver this message again after this answer. */
export function isFinal(c: Context, error: unknown): boolean {
  if (isEdgeMeshError(error) && error.code === 'UNPROCESSABLE_MESSAGE') return true;
  const max = Number(c.req.header(maxRetriesHeader));
  const retried = Number(c.req.header('upstash-retried') ?? 0);
  return Number.isInteger(max) && retried >= max;
}

/** Where and when a consumer records what it gives up on. */
export interface ConsumerDeadLetterOptions {
  readonly name: string;
  readonly store: EventStore;
  readonly deliveredUrl: (c: Context) => string;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
}

/** Records the delivery `raw` and the problem `error` in the consumer's dead-letter stream. */
export async function recordConsumerDeadLetter(
  c: Context,
  raw: string,
  error: unknown,
  { name, store, deliveredUrl, now }: ConsumerDeadLetterOptions,
): Promise<void> {
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
