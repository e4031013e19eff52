import type { OutboxPublisher } from '../event-store/publisher.ts';
import type { Publisher } from './publisher.ts';

const urlPattern = /^https?:\/\//;

/**
 * Relays event-store outbox rows through a queue {@link Publisher}: a destination starting with
 * http(s):// is a URL, anything else a topic; the outbox id is the deduplication id; the row's
 * headers (e.g. `traceparent`) travel with the message; the topic's failure callback applies.
 * @example createOutboxRelay({ store, publisher: outboxPublisher(qstashPublisher(client, { failureCallbacks })) })
 */
export function outboxPublisher(publisher: Publisher): OutboxPublisher {
  return async function publishOutboxRow(message, signal) {
    await publisher.publish(
      {
        to: urlPattern.test(message.destination)
          ? { url: message.destination }
          : { topic: message.destination },
        body: message.body,
        headers: message.headers,
        deduplicationId: message.id,
      },
      { signal },
    );
  };
}
