import { Client, Receiver } from '@upstash/qstash';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { loadConfig } from '../../shared/config/load.ts';
import { qstashVars, storageVars } from '../../shared/config/vars.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { neonHttpEventStore } from '../../shared/event-store/neon.ts';
import { createOutboxRelay, type OutboxRelay } from '../../shared/event-store/outbox-relay.ts';
import { qstashPublisher } from '../../shared/event-store/qstash-publisher.ts';
import { postgresCheck, redisCheck, type HealthCheck } from '../../shared/health/health.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import type { Env, Runtime } from '../../shared/runtime/runtime.ts';
import { orderEventSchemas } from './schema.ts';

export const ordersConfigSchema = storageVars.extend({
  ...qstashVars.partial().shape,
  /** Where order events go: a QStash URL group, or a URL. Default `order-events`. */
  ORDERS_EVENTS_DESTINATION: z.string().trim().min(1).default('order-events'),
});

/** Everything the orders app does I/O through. */
export interface OrdersDeps {
  service: string;
  /** Events, the `orders` read model, the outbox and idempotency keys. */
  events: EventStore;
  /** Publishes outbox rows; absent when no queue is configured (rows wait for a sweep). */
  relay?: OutboxRelay;
  /** Destination of order events in the outbox. */
  eventsDestination: string;
  /** Checks the `Upstash-Signature` of a scheduled sweep; absent means unsigned sweeps are accepted. */
  verifySchedule?: (signature: string, body: string) => Promise<boolean>;
  healthChecks: readonly HealthCheck[];
  now(): number;
  newId(): string;
  /** Keeps work alive after the response when the request has no execution context. */
  waitUntil(promise: Promise<unknown>): void;
  redis?: Redis;
}

/** Builds the orders deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): OrdersDeps {
  const config = loadConfig(env, ordersConfigSchema);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  const events = neonHttpEventStore(sql, { schemas: orderEventSchemas, now: () => runtime.now() });
  const relay = config.QSTASH_TOKEN
    ? createOutboxRelay({
        store: events,
        publisher: qstashPublisher(
          new Client({
            token: config.QSTASH_TOKEN,
            ...(config.QSTASH_URL ? { baseUrl: config.QSTASH_URL } : {}),
          }),
        ),
      })
    : undefined;
  const { QSTASH_CURRENT_SIGNING_KEY: current, QSTASH_NEXT_SIGNING_KEY: next } = config;
  const receiver =
    current && next
      ? new Receiver({ currentSigningKey: current, nextSigningKey: next })
      : undefined;
  return {
    service: 'orders',
    events,
    ...(relay ? { relay } : {}),
    eventsDestination: config.ORDERS_EVENTS_DESTINATION,
    ...(receiver
      ? {
          verifySchedule: (signature: string, body: string) =>
            receiver.verify({ signature, body }).catch(() => false),
        }
      : {}),
    healthChecks: [
      postgresCheck((text, signal) => sql.query(text, [], { fetchOptions: { signal } })),
      redisCheck(redis),
    ],
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    waitUntil: (promise) => runtime.waitUntil(promise),
    redis,
  };
}
