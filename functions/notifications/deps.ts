import { Receiver } from '@upstash/qstash';
import type { Redis } from '@upstash/redis';
import { loadConfig } from '../../shared/config/load.ts';
import { qstashConsumerVars, storageVars } from '../../shared/config/vars.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { neonHttpEventStore } from '../../shared/event-store/neon.ts';
import { storageHealthChecks, type HealthCheck } from '../../shared/health/health.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { deadLetterEventSchemas } from '../../shared/queue/dead-letters.ts';
import { qstashVerifier, type SignatureVerifier } from '../../shared/queue/signature.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import { sharesIoAcrossRequests, type Env, type Runtime } from '../../shared/runtime/runtime.ts';
import { telemetryFromEnv } from '../../shared/telemetry/from-env.ts';
import type { Telemetry } from '../../shared/telemetry/telemetry.ts';
import { defaultTemplates, notificationEventSchemas, templatesVar } from './schema.ts';

export const notificationsConfigSchema = storageVars.extend({
  ...qstashConsumerVars.shape,
  /** JSON object of event type → message template, merged over the defaults. */
  NOTIFICATIONS_TEMPLATES: templatesVar.optional(),
});

/** Everything the notifications app does I/O through. */
export interface NotificationsDeps {
  service: string;
  /** Notifications, the inbox claims and dead letters. */
  events: EventStore;
  /** Checks `Upstash-Signature` of deliveries and failure callbacks. */
  verify: SignatureVerifier;
  /** Message template by event type. */
  templates: Readonly<Record<string, string>>;
  healthChecks: readonly HealthCheck[];
  now(): number;
  newId(): string;
  telemetry?: Telemetry;
  redis?: Redis;
}

/** Builds the notifications deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): NotificationsDeps {
  const config = loadConfig(env, notificationsConfigSchema);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  const events = neonHttpEventStore(sql, {
    schemas: { ...notificationEventSchemas, ...deadLetterEventSchemas },
    now: () => runtime.now(),
    batchAppends: sharesIoAcrossRequests(runtime),
  });
  const receiver = new Receiver({
    currentSigningKey: config.QSTASH_CURRENT_SIGNING_KEY,
    nextSigningKey: config.QSTASH_NEXT_SIGNING_KEY,
  });
  return {
    service: 'notifications',
    events,
    verify: qstashVerifier(receiver),
    templates: { ...defaultTemplates, ...config.NOTIFICATIONS_TEMPLATES },
    healthChecks: storageHealthChecks(sql, redis),
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    telemetry: telemetryFromEnv(env, runtime, { service: 'notifications', redis }),
    redis,
  };
}
