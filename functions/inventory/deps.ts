import { Receiver } from '@upstash/qstash';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { loadConfig } from '../../shared/config/load.ts';
import {
  qstashVars,
  requireSigningKeysWithToken,
  serviceCallVars,
  storageVars,
} from '../../shared/config/vars.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { neonHttpEventStore } from '../../shared/event-store/neon.ts';
import type { OutboxRelay } from '../../shared/event-store/outbox-relay.ts';
import { qstashOutboxRelay } from '../../shared/queue/outbox-wiring.ts';
import { storageHealthChecks, type HealthCheck } from '../../shared/health/health.ts';
import { verifyServiceAuth } from '../../shared/http/auth.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import { sharesIoAcrossRequests, type Env, type Runtime } from '../../shared/runtime/runtime.ts';
import type { MessageVerifier } from '../../shared/saga/routes.ts';
import { receiverVerifier } from '../../shared/saga/verify.ts';
import { telemetryFromEnv } from '../../shared/telemetry/from-env.ts';
import type { Telemetry } from '../../shared/telemetry/telemetry.ts';
import { inventoryEventSchemas } from './schema.ts';
import { firstServiceUrl } from '../../shared/discovery/static.ts';

export const inventoryConfigSchema = storageVars.extend({
  ...qstashVars.partial().shape,
  ...serviceCallVars.partial().shape,
  /** This service's own URL, for the delayed expiry message. Default the first SERVICE_INVENTORY_URL. */
  INVENTORY_SELF_URL: z.url({ protocol: /^https?$/ }).optional(),
  SERVICE_INVENTORY_URL: z.string().optional(),
  /** How long a reservation holds unless the try says otherwise, ms. Default 60,000. */
  INVENTORY_RESERVATION_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
});

/** Everything the inventory app does I/O through. */
export interface InventoryDeps {
  service: string;
  /** Stock and reservation streams, their documents, the outbox. */
  events: EventStore;
  relay?: OutboxRelay;
  /** Base URL QStash reaches this service at; absent = no delayed expiry message (confirm still checks). */
  selfUrl?: string;
  /** Default hold of a reservation, ms. */
  reservationTtlMs: number;
  /** Checks QStash signatures of expiry messages and sweeps; absent accepts unsigned ones. */
  verifyMessage?: MessageVerifier;
  /** Checks service-to-service signatures on the TCC routes; absent lets every caller in. */
  serviceAuth?: MiddlewareHandler;
  healthChecks: readonly HealthCheck[];
  now(): number;
  waitUntil(promise: Promise<unknown>): void;
  /** Traces, metrics and logs; `instrumentApp` wires it in the entry files. */
  telemetry: Telemetry;
}

/** Builds the inventory deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): InventoryDeps {
  const config = loadConfig(env, inventoryConfigSchema);
  requireSigningKeysWithToken(config);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  const telemetry = telemetryFromEnv(env, runtime, { service: 'inventory', redis });
  const events = neonHttpEventStore(sql, {
    schemas: inventoryEventSchemas,
    now: () => runtime.now(),
    batchAppends: sharesIoAcrossRequests(runtime),
  });
  const relay = qstashOutboxRelay({ store: events, env, telemetry });
  const { QSTASH_CURRENT_SIGNING_KEY: current, QSTASH_NEXT_SIGNING_KEY: next } = config;
  const selfUrl = config.INVENTORY_SELF_URL ?? firstServiceUrl(env, 'inventory');
  return {
    service: 'inventory',
    events,
    ...(relay ? { relay } : {}),
    ...(selfUrl ? { selfUrl: selfUrl.replace(/\/$/, '') } : {}),
    reservationTtlMs: config.INVENTORY_RESERVATION_TTL_MS,
    ...(current && next
      ? {
          verifyMessage: receiverVerifier(
            new Receiver({ currentSigningKey: current, nextSigningKey: next }),
          ),
        }
      : {}),
    ...(config.SERVICE_AUTH_SECRET
      ? { serviceAuth: verifyServiceAuth({ secret: config.SERVICE_AUTH_SECRET }) }
      : {}),
    healthChecks: storageHealthChecks(sql, redis),
    now: () => runtime.now(),
    waitUntil: (promise) => runtime.waitUntil(promise),
    telemetry,
  };
}
