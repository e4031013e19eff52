import {
  deliveredHeaders,
  serviceUrl,
  type PublishReceipt,
  type Publisher,
  type PublishRequest,
  type ResolveService,
} from './publisher.ts';

/** A message the memory publisher accepted, as one subscriber would receive it. */
export interface MemoryMessage {
  readonly messageId: string;
  readonly url: string;
  readonly topic?: string;
  readonly body: unknown;
  /** What the subscriber receives (plain names, not `Upstash-Forward-*`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Due time, ms since the epoch. */
  readonly notBefore: number;
  readonly retries?: number;
  readonly deduplicationId?: string;
  readonly failureCallback?: string;
}

export interface MemoryPublisherOptions {
  /** Subscriber URLs of each topic. Default none (publishing to an unknown topic throws). */
  topics?: Readonly<Record<string, readonly string[]>>;
  /** Failure callback of each topic, used when a request names none. */
  failureCallbacks?: Readonly<Record<string, string>>;
  /** Base URLs of services, for `{ service, path }` destinations. */
  resolveService?: ResolveService;
  /** Clock, ms since the epoch. Default Date.now. */
  now?: () => number;
}

/** An in-memory Publisher for unit tests: records what it would deliver, dedupes, fans out topics. */
export interface MemoryPublisher extends Publisher {
  /** Every message accepted, one per subscriber, in order. */
  readonly messages: MemoryMessage[];
  /** Adds a subscriber URL to a topic. */
  subscribe(topic: string, url: string): void;
  /** Rejects the next `times` publishes with `error`. */
  failNext(times: number, error?: Error): void;
}

/** An in-memory {@link Publisher}; deduplication ids are remembered forever. */
export function memoryPublisher({
  topics = {},
  failureCallbacks = {},
  resolveService,
  now = () => Date.now(),
}: MemoryPublisherOptions = {}): MemoryPublisher {
  const subscribers = new Map(Object.entries(topics).map(([name, urls]) => [name, [...urls]]));
  const seen = new Map<string, PublishReceipt[]>();
  const messages: MemoryMessage[] = [];
  let failures = 0;
  let failure = new Error('publish failed');
  let sequence = 0;

  async function targets(request: PublishRequest, signal?: AbortSignal) {
    const to = request.to;
    if ('topic' in to) {
      const urls = subscribers.get(to.topic);
      if (!urls) throw new Error(`topic ${to.topic} does not exist`);
      return urls.map((url) => ({ url, topic: to.topic }));
    }
    if ('url' in to) return [{ url: to.url }];
    return [{ url: await serviceUrl(resolveService, to, signal) }];
  }

  async function publishOne(request: PublishRequest, signal?: AbortSignal) {
    signal?.throwIfAborted();
    if (failures > 0) {
      failures -= 1;
      throw failure;
    }
    const dedupe = request.deduplicationId;
    const earlier = dedupe === undefined ? undefined : seen.get(dedupe);
    if (earlier) return earlier.map((receipt) => ({ ...receipt, deduplicated: true }));
    const topic = 'topic' in request.to ? request.to.topic : undefined;
    const failureCallback =
      request.failureCallback ?? (topic === undefined ? undefined : failureCallbacks[topic]);
    const receipts: PublishReceipt[] = [];
    for (const target of await targets(request, signal)) {
      const messageId = `msg_memory_${++sequence}`;
      messages.push({
        messageId,
        ...target,
        body: structuredClone(request.body),
        headers: deliveredHeaders(request),
        notBefore: now() + (request.delayMs ?? 0),
        ...(request.retries !== undefined ? { retries: request.retries } : {}),
        ...(dedupe !== undefined ? { deduplicationId: dedupe } : {}),
        ...(failureCallback ? { failureCallback } : {}),
      });
      receipts.push({ messageId, url: target.url, deduplicated: false });
    }
    if (dedupe !== undefined) seen.set(dedupe, receipts);
    return receipts;
  }

  return {
    messages,
    subscribe(topic, url) {
      const urls = subscribers.get(topic) ?? [];
      if (!urls.includes(url)) urls.push(url);
      subscribers.set(topic, urls);
    },
    failNext(times, error = new Error('publish failed')) {
      failures = times;
      failure = error;
    },
    publish: (request, options) => publishOne(request, options?.signal),
    async publishBatch(requests, options) {
      const receipts: PublishReceipt[][] = [];
      for (const request of requests) receipts.push(await publishOne(request, options?.signal));
      return receipts;
    },
  };
}
