import { Receiver } from '@upstash/qstash';
import { z } from 'zod';
import { upstashBreakerStore } from '../breaker/upstash-store.ts';
import { loadConfig } from '../config/index.ts';
import {
  httpUrl,
  qstashConsumerVars,
  qstashVars,
  requireSigningKeysWithToken,
  serviceCallVars,
  storageVars,
} from '../config/vars.ts';
import { fallbackRegistry } from '../discovery/index.ts';
import { bindingRegistry } from '../discovery/bindings.ts';
import { firstServiceUrl, staticRegistry } from '../discovery/static.ts';
import { neonHttpEventStore } from '../event-store/neon.ts';
import { storageHealthChecks } from '../health/health.ts';
import { createSql, type PostgresOptions } from '../postgres/neon.ts';
import { qstashVerifier } from '../queue/index.ts';
import { qstashOutboxRelay } from '../queue/outbox-wiring.ts';
import { createRedis } from '../redis/upstash.ts';
import { sharesIoAcrossRequests, type Env, type Runtime } from '../runtime/index.ts';
import { telemetryFromEnv } from '../telemetry/index.ts';
import { subscriptionsOf, type ServiceDefinition } from './definition.ts';
import { assembleDeps, type ServiceDeps } from './deps.ts';
import { storeSchemas } from './schemas.ts';

/** `<NAME>_SELF_URL`: where QStash reaches a function (`read-model` → `READ_MODEL_SELF_URL`). */
export function selfUrlVariable(service: string): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_SELF_URL`;
}

/** The variables the toolkit reads for every function, besides telemetry's. */
export const toolkitVars = storageVars.extend({
  ...qstashVars.partial().shape,
  ...serviceCallVars.partial().shape,
  /** Set by `npm start`: which local devstack this function belongs to, echoed on `/health`. */
  EDGEMESH_INSTANCE: z.string().trim().min(1).optional(),
});

/** Every variable a function reads: the toolkit's, the signing keys when it consumes, its own. */
export function serviceConfigSchema(definition: ServiceDefinition) {
  const withSelf = toolkitVars.extend({ [selfUrlVariable(definition.name)]: httpUrl.optional() });
  const consuming =
    subscriptionsOf(definition).length > 0 ? withSelf.extend(qstashConsumerVars.shape) : withSelf;
  return definition.config ? consuming.extend(definition.config.shape) : consuming;
}

/**
 * The base deps of a function from its platform env: Postgres over Neon's HTTP path, Redis over
 * REST, telemetry, the outbox relay through QStash, discovery (service bindings, then
 * `SERVICE_<NAME>_URL`). Throws one CONFIG error naming every bad variable.
 */
export function depsFromEnv<Config>(
  definition: ServiceDefinition,
  env: Env,
  runtime: Runtime,
  bindings: Readonly<Record<string, unknown>> = {},
  options: PostgresOptions = {},
): ServiceDeps<Config> {
  const config = loadConfig(env, serviceConfigSchema(definition)) as Record<string, unknown> &
    z.infer<typeof toolkitVars>;
  requireSigningKeysWithToken(config);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  const telemetry = telemetryFromEnv(env, runtime, { service: definition.name, redis });
  const events = neonHttpEventStore(sql, {
    schemas: storeSchemas(definition),
    now: () => runtime.now(),
    batchAppends: sharesIoAcrossRequests(runtime),
  });
  const relay = definition.outbox
    ? qstashOutboxRelay({ store: events, env, telemetry })
    : undefined;
  const { QSTASH_CURRENT_SIGNING_KEY: current, QSTASH_NEXT_SIGNING_KEY: next } = config;
  const selfUrl =
    (config[selfUrlVariable(definition.name)] as string | undefined) ??
    firstServiceUrl(env, definition.name);
  return assembleDeps<Config>(definition, {
    config: config as Config,
    events,
    ...(relay ? { relay } : {}),
    telemetry,
    ...(current && next
      ? {
          qstashVerifier: qstashVerifier(
            new Receiver({ currentSigningKey: current, nextSigningKey: next }),
          ),
        }
      : {}),
    registry: fallbackRegistry([bindingRegistry(bindings), staticRegistry(env)]),
    breakerStore: upstashBreakerStore(redis, { prefix: `edgemesh:breaker:${definition.name}:` }),
    healthChecks: storageHealthChecks(sql, redis),
    ...(selfUrl ? { selfUrl } : {}),
    ...(config.SERVICE_AUTH_SECRET ? { authSecret: config.SERVICE_AUTH_SECRET } : {}),
    ...(config.EDGEMESH_INSTANCE ? { instance: config.EDGEMESH_INSTANCE } : {}),
    fetch: runtime.fetch,
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    waitUntil: (promise) => runtime.waitUntil(promise),
  });
}
