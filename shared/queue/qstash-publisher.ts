import type { Client } from '@upstash/qstash';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import {
  deliveredHeaders,
  describeDestination,
  serviceUrl,
  type PublishReceipt,
  type Publisher,
  type PublishRequest,
  type ResolveService,
} from './publisher.ts';

export interface QstashPublisherOptions {
  /** Base URLs of services, for `{ service, path }` destinations. */
  resolveService?: ResolveService;
  /** Failure callback URL of each topic, used when a request names none (see topology). */
  failureCallbacks?: Readonly<Record<string, string>>;
}

interface QstashReceipt {
  messageId: string;
  url?: string;
  deduplicated?: boolean;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('publish aborted'));
    if (signal.aborted) fail();
    signal.addEventListener('abort', fail, { once: true });
  });
}

function receiptsOf(response: QstashReceipt | QstashReceipt[]): PublishReceipt[] {
  return (Array.isArray(response) ? response : [response]).map((item) => ({
    messageId: item.messageId,
    ...(item.url ? { url: item.url } : {}),
    deduplicated: item.deduplicated === true,
  }));
}

/**
 * The {@link Publisher} over the official QStash client: topics are URL groups, trace context,
 * deadline and headers travel as `Upstash-Forward-*`, delays round up to whole seconds. The
 * client takes no AbortSignal, so an abort stops the wait; pass a deduplication id to make a
 * late acceptance harmless.
 * @example qstashPublisher(new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN }))
 */
export function qstashPublisher(
  client: Client,
  { resolveService, failureCallbacks = {} }: QstashPublisherOptions = {},
): Publisher {
  async function toClientRequest(request: PublishRequest, signal?: AbortSignal) {
    const to = request.to;
    const topic = 'topic' in to ? to.topic : undefined;
    const failureCallback =
      request.failureCallback ?? (topic === undefined ? undefined : failureCallbacks[topic]);
    const base = {
      body: request.body,
      headers: deliveredHeaders(request),
      ...(request.delayMs ? { delay: Math.ceil(request.delayMs / 1000) } : {}),
      ...(request.deduplicationId ? { deduplicationId: request.deduplicationId } : {}),
      ...(request.retries !== undefined ? { retries: request.retries } : {}),
      ...(failureCallback ? { failureCallback } : {}),
    };
    if ('topic' in to) return { ...base, urlGroup: to.topic };
    const url = 'url' in to ? to.url : await serviceUrl(resolveService, to, signal);
    return { ...base, url };
  }

  async function guarded<T>(what: string, work: Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await (signal ? Promise.race([work, aborted(signal)]) : work);
    } catch (cause) {
      if (signal?.aborted) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new EdgeMeshError('UPSTREAM', `QStash refused ${what}: ${message}`, { cause });
    }
  }

  return {
    async publish(request, { signal } = {}) {
      signal?.throwIfAborted();
      const body = await toClientRequest(request, signal);
      const response = (await guarded(
        `a message to ${describeDestination(request.to)}`,
        client.publishJSON(body),
        signal,
      )) as QstashReceipt | QstashReceipt[];
      return receiptsOf(response);
    },
    async publishBatch(requests, { signal } = {}) {
      signal?.throwIfAborted();
      if (requests.length === 0) return [];
      const bodies = await Promise.all(requests.map((request) => toClientRequest(request, signal)));
      const responses = (await guarded(
        `a batch of ${requests.length} messages`,
        client.batchJSON(bodies),
        signal,
      )) as Array<QstashReceipt | QstashReceipt[]>;
      return responses.map(receiptsOf);
    },
  };
}
