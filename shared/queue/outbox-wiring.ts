import type { Client } from '@upstash/qstash';
import type { OutboxPublisher } from '../event-store/publisher.ts';
import type { Env } from '../runtime/runtime.ts';
import { outboxPublisher } from './outbox.ts';
import { qstashPublisher } from './qstash-publisher.ts';
import { failureCallbacksOf, resolveTopology, systemTopology, type Topology } from './topology.ts';

const serviceUrlVar = /^SERVICE_([A-Z0-9_]+)_URL$/;

/** Base URLs by service name from `SERVICE_<NAME>_URL` (`SERVICE_ORDERS_URL` → `orders`). */
export function serviceUrlsFromEnv(env: Env): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = serviceUrlVar.exec(name);
    if (match?.[1] && value) urls[match[1].toLowerCase().replaceAll('_', '-')] = value;
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
