import { createHash } from 'node:crypto';
import { resolveDestination, topicNamePattern } from '../destinations.ts';
import { messageId } from '../ids.ts';
import { badInput } from '../input-error.ts';
import type { PendingMessage } from '../message.ts';
import type { DedupClaim, WriteBatch } from '../store/write-batch.ts';
import { firstDueAt, parsePublishHeaders } from '../publish-headers.ts';
import { workflowPublishOf, type WorkflowPublish } from '../workflow/headers.ts';
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
  /** Set when the publish belongs to a workflow run (Upstash-Workflow-RunId). */
  workflow?: WorkflowPublish;
  /** The publish's headers, kept for workflow runs (which settings the trigger set). */
  headers?: Headers;
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
  const workflow = workflowPublishOf(input.headers);
  return {
    messages,
    response,
    ...(dedupKey ? { dedupKey } : {}),
    ...(workflow ? { workflow, headers: input.headers } : {}),
  };
}

const markDeduplicated = (response: unknown): unknown =>
  Array.isArray(response)
    ? response.map(markDeduplicated)
    : { ...(response as Record<string, unknown>), deduplicated: true };

/**
 * Stores prepared publishes in one write, their deduplication claims included. A deduplicated
 * one is dropped and answers with the earlier publish's ids and `deduplicated: true`. Publishes
 * into workflow runs are admitted by the runs first and written with the run state they change.
 */
export async function commitPublishes(
  deps: ApiDeps,
  prepared: PreparedPublish[],
): Promise<unknown[]> {
  if (!prepared.some((item) => item.workflow)) return commitWithState(deps, prepared, {});
  return deps.workflows.commitPublishes(prepared, (kept, extra) =>
    commitWithState(deps, kept, extra),
  );
}

async function commitWithState(
  deps: ApiDeps,
  prepared: PreparedPublish[],
  extra: Partial<WriteBatch>,
): Promise<unknown[]> {
  const now = deps.now();
  const claims: DedupClaim[] = [];
  const messages: PendingMessage[] = [];
  // A key a second time in one batch request: that entry duplicates the first one.
  const repeats = new Set<PreparedPublish>();
  for (const item of prepared) {
    if (item.dedupKey !== undefined) {
      if (claims.some((claim) => claim.key === item.dedupKey)) {
        repeats.add(item);
        continue;
      }
      claims.push({
        key: item.dedupKey,
        response: item.response,
        expiresAt: now + deps.dedupWindowMs,
        nowMs: now,
        messageIds: item.messages.map((message) => message.id),
      });
    }
    messages.push(...item.messages);
  }
  for (const name of new Set(messages.flatMap((m) => m.spec.queueName ?? []))) {
    if (deps.knownQueues.has(name)) continue;
    await deps.store.ensureQueue(name, now);
    deps.knownQueues.add(name);
  }
  const { claimed, held } = await deps.engine.accept(messages, claims, extra);
  const earlier = new Map(held);
  for (const claim of claims) if (claimed.has(claim.key)) earlier.set(claim.key, claim.response);
  // Held by a publish that committed after this write's snapshot was taken: read it now.
  const unseen = claims.flatMap((claim) => (earlier.has(claim.key) ? [] : [claim.key]));
  if (unseen.length > 0) {
    for (const [key, response] of await deps.store.heldResponses(unseen))
      earlier.set(key, response);
  }
  return prepared.map((item) => {
    const key = item.dedupKey;
    if (key === undefined || (claimed.has(key) && !repeats.has(item))) return item.response;
    if (!earlier.has(key)) {
      // The key expired and was pruned between the claim and the read; the publisher retries.
      throw new Error(`deduplication key of ${item.messages[0]?.id ?? 'a message'} vanished`);
    }
    return markDeduplicated(earlier.get(key));
  });
}
