import { createHash } from 'node:crypto';
import { resolveDestination, topicNamePattern } from '../destinations.ts';
import { messageId } from '../ids.ts';
import { badInput } from '../input-error.ts';
import type { PendingMessage } from '../message.ts';
import { firstDueAt, parsePublishHeaders } from '../publish-headers.ts';
import type { ApiDeps } from './deps.ts';

/** One publish as the API received it (a request, or one entry of a batch). */
export interface PublishInput {
  destination: string;
  headers: Headers;
  body: Buffer;
  queueName?: string;
  callerIp?: string;
}

/** A validated publish, ready to be stored. */
export interface PreparedPublish {
  messages: PendingMessage[];
  /** The response: one object for a URL, a list for a URL group. */
  response: Record<string, unknown> | Array<Record<string, unknown>>;
  dedupKey?: string;
}

/** Validates a publish completely (headers, destination, queue) without writing anything. */
export async function preparePublish(deps: ApiDeps, input: PublishInput): Promise<PreparedPublish> {
  const now = deps.now();
  const options = parsePublishHeaders(input.headers, deps.limits, now);
  if (input.queueName !== undefined && !topicNamePattern.test(input.queueName))
    throw badInput(`invalid queue name "${input.queueName}": use letters, digits, -, _ and .`);
  const targets = await resolveDestination(deps.store, input.destination);
  const dueAt = firstDueAt(options, now);
  const messages = targets.map((target): PendingMessage => ({
    id: messageId(),
    seq: deps.engine.nextSeq(),
    spec: {
      ...options.template,
      ...target,
      ...(input.queueName ? { queueName: input.queueName } : {}),
      ...(input.callerIp ? { callerIp: input.callerIp } : {}),
    },
    body: input.body,
    dueAt,
    retried: 0,
    createdAt: now,
    notBefore: dueAt,
  }));
  const entries = messages.map((message) => ({ messageId: message.id, url: message.spec.url }));
  const response = targets[0]?.topicName === undefined ? entries[0]! : entries;
  const scope = `${input.queueName ?? ''}\n${input.destination}`;
  let dedupKey: string | undefined;
  if (options.deduplicationId !== undefined) dedupKey = `id\n${scope}\n${options.deduplicationId}`;
  else if (options.contentBasedDeduplication) {
    const hash = createHash('sha256')
      .update(scope)
      .update(JSON.stringify(options.template))
      .update(input.body)
      .digest('hex');
    dedupKey = `content\n${hash}`;
  }
  return { messages, response, ...(dedupKey ? { dedupKey } : {}) };
}

const markDeduplicated = (response: unknown): unknown =>
  Array.isArray(response)
    ? response.map(markDeduplicated)
    : { ...(response as Record<string, unknown>), deduplicated: true };

/**
 * Stores prepared publishes in one write. A deduplicated one is dropped and answers with the
 * earlier publish's ids and `deduplicated: true`.
 */
export async function commitPublishes(
  deps: ApiDeps,
  prepared: PreparedPublish[],
): Promise<unknown[]> {
  const now = deps.now();
  const responses: unknown[] = [];
  const claimed: string[] = [];
  const messages: PendingMessage[] = [];
  try {
    for (const item of prepared) {
      if (item.dedupKey) {
        const earlier = await deps.store.claimDedup(
          item.dedupKey,
          item.response,
          now,
          now + deps.dedupWindowMs,
        );
        if (earlier !== undefined) {
          responses.push(markDeduplicated(earlier));
          continue;
        }
        claimed.push(item.dedupKey);
      }
      messages.push(...item.messages);
      responses.push(item.response);
    }
    for (const name of new Set(messages.flatMap((m) => m.spec.queueName ?? []))) {
      if (deps.knownQueues.has(name)) continue;
      await deps.store.ensureQueue(name, now);
      deps.knownQueues.add(name);
    }
    await deps.engine.accept(messages);
  } catch (error) {
    await Promise.all(claimed.map((key) => deps.store.releaseDedup(key).catch(() => {})));
    throw error;
  }
  return responses;
}
