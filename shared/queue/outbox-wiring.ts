import { Client } from '@upstash/qstash';
import type { EventStore } from '../event-store/event-store.ts';
import { createOutboxRelay, type OutboxRelay } from '../event-store/outbox-relay.ts';
import type { OutboxPublisher } from '../event-store/publisher.ts';
import { serviceOfVariable } from '../discovery/static.ts';
import type { Env } from '../runtime/runtime.ts';
import { tracedOutboxPublisher } from '../telemetry/outbox-publisher.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { outboxPublisher } from './outbox.ts';
import { qstashPublisher } from './qstash-publisher.ts';
import { failureCallbacksOf, resolveTopology, systemTopology, type Topology } from './topology.ts';

/** Base URLs by service name from `SERVICE_<NAME>_URL` (`SERVICE_ORDERS_URL` → `orders`). */
export function serviceUrlsFromEnv(env: Env): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const service = serviceOfVariable(name);
    if (service && value) urls[service] = value;
  }
  return urls;
}

export interface TopologyOutboxOptions {
  /** Default: the reference system's topology. */
  topology?: Topology;
}

/**
 * The outbox publisher a function relays with: QStash through the queue Publisher, with the
 * topology's failure callbacks (resolved from `SERVICE_<NAME>_URL`; services not configured
 * are skipped) and its topic suffix (`QSTASH_TOPOLOGY_SUFFIX`).
 * @example createOutboxRelay({ store, publisher: topologyOutboxPublisher(client, env) })
 */
export function topologyOutboxPublisher(
  client: Client,
  env: Env,
  { topology = systemTopology }: TopologyOutboxOptions = {},
): OutboxPublisher {
  const resolved = resolveTopology(topology, serviceUrlsFromEnv(env), {
    suffix: env.QSTASH_TOPOLOGY_SUFFIX ?? '',
    missing: 'skip',
  });
  return outboxPublisher(
    qstashPublisher(client, { failureCallbacks: failureCallbacksOf(resolved) }),
  );
}

export interface QstashOutboxRelayOptions extends TopologyOutboxOptions {
  /** The function's store: its outbox rows are relayed. */
  store: EventStore;
  /** The function's env: QSTASH_URL, QSTASH_TOKEN, SERVICE_<NAME>_URL, QSTASH_TOPOLOGY_SUFFIX. */
  env: Env;
  /** Traces each publish as a producer span when given. */
  telemetry?: Telemetry;
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
  topology,
}: QstashOutboxRelayOptions): OutboxRelay | undefined {
  if (!env.QSTASH_TOKEN) return undefined;
  const client = new Client({
    token: env.QSTASH_TOKEN,
    ...(env.QSTASH_URL ? { baseUrl: env.QSTASH_URL } : {}),
  });
  const publisher = topologyOutboxPublisher(client, env, topology ? { topology } : {});
  return createOutboxRelay({
    store,
    publisher: telemetry ? tracedOutboxPublisher(publisher, telemetry) : publisher,
  });
}
