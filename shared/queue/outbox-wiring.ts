import { Client } from '@upstash/qstash';
import type { EventStore } from '../event-store/event-store.ts';
import type { OutboxPublisher } from '../event-store/publisher.ts';
import { createOutboxRelay, type OutboxRelay } from '../event-store/outbox-relay.ts';
import type { Env } from '../runtime/runtime.ts';
import { tracedOutboxPublisher } from '../telemetry/outbox-publisher.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { outboxPublisher } from './outbox.ts';
import { qstashPublisher } from './qstash-publisher.ts';

export interface QstashOutboxRelayOptions {
  /** The function's store: its outbox rows are relayed. */
  store: EventStore;
  /** The function's env: `QSTASH_URL` (default Upstash's) and `QSTASH_TOKEN`. */
  env: Env;
  /** Traces each publish as a producer span when given. */
  telemetry?: Telemetry;
  /** Wraps the publisher (the chaos seam of QStash publishes). */
  decorate?: (publisher: OutboxPublisher) => OutboxPublisher;
}

/**
 * The outbox relay of a function that publishes through QStash, or undefined when
 * `QSTASH_TOKEN` is unset (rows then wait for a sweep by a configured deployment).
 * @example const relay = qstashOutboxRelay({ store: events, env, telemetry });
 */
export function qstashOutboxRelay({
  store,
  env,
  telemetry,
  decorate = (publisher) => publisher,
}: QstashOutboxRelayOptions): OutboxRelay | undefined {
  if (!env.QSTASH_TOKEN) return undefined;
  const client = new Client({
    token: env.QSTASH_TOKEN,
    ...(env.QSTASH_URL ? { baseUrl: env.QSTASH_URL } : {}),
  });
  const publisher = decorate(outboxPublisher(qstashPublisher(client)));
  return createOutboxRelay({
    store,
    publisher: telemetry ? tracedOutboxPublisher(publisher, telemetry) : publisher,
  });
}
