import type { Client } from '@upstash/qstash';
import type { OutboxPublisher } from './publisher.ts';

const urlPattern = /^https?:\/\//;

function aborted(signal: AbortSignal): Promise<never> {
  const reason = () =>
    signal.reason instanceof Error ? signal.reason : new Error('publish aborted');
  return new Promise((_, reject) => {
    if (signal.aborted) reject(reason());
    signal.addEventListener('abort', () => reject(reason()), { once: true });
  });
}

/**
 * Publishes outbox messages with the official QStash client: `publishJSON` to a URL (destination
 * starting with http(s)://) or a URL group, the outbox id as `Upstash-Deduplication-Id`, and the
 * message's headers (e.g. `traceparent`) forwarded as `Upstash-Forward-*`. The client takes no
 * AbortSignal, so an abort stops the wait; a late acceptance is deduplicated by QStash.
 * @example createOutboxRelay({ store, publisher: qstashPublisher(new Client({ baseUrl, token })) })
 */
export function qstashPublisher(client: Client): OutboxPublisher {
  return async function publishToQStash(message, signal) {
    signal.throwIfAborted();
    const request = {
      body: message.body,
      headers: { ...message.headers },
      deduplicationId: message.id,
    };
    const publish = urlPattern.test(message.destination)
      ? client.publishJSON({ ...request, url: message.destination })
      : client.publishJSON({ ...request, urlGroup: message.destination });
    await Promise.race([publish, aborted(signal)]);
  };
}
