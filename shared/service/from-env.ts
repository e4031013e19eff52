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
import { operator } from './access.ts';
import { upstashLimiters } from './rate-limit.ts';
import { settingsSchemaOf, type ToolkitSettings } from './settings.ts';
import { createSettingsCache, type SettingsCache } from '../config/index.ts';
import { configStoreFromConfig, configStoreVars } from '../config/store-from-env.ts';
import { EdgeMeshError } from '../errors/index.ts';
import {
  chaosAllowed,
  chaosEventStore,
  chaosPublisher,
  chaosRedis,
  chaosVars,
  createChaos,
} from '../chaos/index.ts';
import { redisReplayGuard } from '../http/index.ts';

/** `<NAME>_SELF_URL`: where QStash reaches a function (`read-model` → `READ_MODEL_SELF_URL`). */
export function selfUrlVariable(service: string): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_SELF_URL`;
}

/** The variables the toolkit reads for every function, besides telemetry's. */
export const toolkitVars = storageVars.extend({
  ...qstashVars.partial().shape,
  ...chaosVars.shape,
  ...serviceCallVars.partial().shape,
  /** Redis key prefix of breaker state, `<prefix>:<service>:` (keeps deployments sharing a Redis apart). */
  EDGEMESH_BREAKER_PREFIX: z.string().trim().min(1).default('edgemesh:breaker'),
  /** Set by `npm start`: which local devstack this function belongs to, echoed on `/health`. */
  EDGEMESH_INSTANCE: z.string().trim().min(1).optional(),
  /** `production` (the default) requires every secret its routes and calls need; `development` lets a missing one open. */
  EDGEMESH_ENV: z.enum(['production', 'development']).default('production'),
  /** The next service-auth secret during a rotation: requests signed with it are accepted too. */
  SERVICE_AUTH_NEXT_SECRET: z
    .string()
    .trim()
    .min(16, { message: 'expected at least 16 characters' })
    .optional(),
  /** Rate limits changed by name: JSON `{"<name>": {"limit": n, "windowMs": ms}}`. */
  EDGEMESH_RATE_LIMITS: z
    .string()
    .trim()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string(),
        z.object({
          limit: z.number().int().min(1).max(1_000_000).optional(),
          windowMs: z.number().int().min(1000).max(86_400_000).optional(),
        }),
      ),
    )
    .optional(),
  /** Bearer token of the operator, for routes whose callers list `operator`. */
  EDGEMESH_OPERATOR_TOKEN: z
    .string()
    .trim()
    .min(24, { message: 'expected at least 24 characters' })
    .optional(),
});

type ToolkitConfig = z.infer<typeof toolkitVars>;

/**
 * In production, what a function cannot run safely without: the service-auth secret when it
 * guards routes or calls others, the operator token when a route admits the operator, QStash's
 * token and signing keys when it has an outbox or subscriptions. Throws one CONFIG line.
 */
export function requireProductionSecrets(
  definition: ServiceDefinition,
  config: ToolkitConfig,
): void {
  if (config.EDGEMESH_ENV !== 'production') return;
  const callers = Object.values(definition.access ?? {}).flat();
  const needed = new Set<string>();
  if (
    callers.some((caller) => caller !== operator) ||
    Object.keys(definition.calls ?? {}).length > 0
  ) {
    needed.add('SERVICE_AUTH_SECRET');
  }
  if (callers.includes(operator)) needed.add('EDGEMESH_OPERATOR_TOKEN');
  if (definition.outbox) needed.add('QSTASH_TOKEN');
  if (definition.outbox || subscriptionsOf(definition).length > 0) {
    needed.add('QSTASH_CURRENT_SIGNING_KEY');
    needed.add('QSTASH_NEXT_SIGNING_KEY');
  }
  const missing = [...needed].filter((name) => !config[name as keyof ToolkitConfig]);
  if (missing.length > 0) {
    throw new EdgeMeshError(
      'CONFIG',
      `invalid configuration: ${missing.map((name) => `${name} is missing`).join('; ')} (required in production; EDGEMESH_ENV=development relaxes it)`,
    );
  }
}

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
export function depsFromEnv<Config, Settings = object>(
  definition: ServiceDefinition,
  env: Env,
  runtime: Runtime,
  bindings: Readonly<Record<string, unknown>> = {},
  options: PostgresOptions = {},
): ServiceDeps<Config, Settings> {
  const config = loadConfig(env, serviceConfigSchema(definition)) as Record<string, unknown> &
    ToolkitConfig;
  requireSigningKeysWithToken(config);
  requireProductionSecrets(definition, config);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  // The settings cache logs through telemetry, and telemetry reads its level and sampling from
  // the settings in force: bound once both exist.
  const live: { settings?: SettingsCache<ToolkitSettings> } = {};
  const telemetry = telemetryFromEnv(env, runtime, {
    service: definition.name,
    redis,
    liveLogLevel: () => live.settings?.current().logLevel,
    liveSampleRatio: () => live.settings?.current().tracing.sampleRatio,
  });
  const configStore = configStoreFromConfig(loadConfig(env, configStoreVars), {
    fetch: runtime.fetch,
    watchMode: sharesIoAcrossRequests(runtime) ? 'stream' : 'poll',
  });
  const settings = createSettingsCache({
    store: configStore,
    service: definition.name,
    schema: settingsSchemaOf(definition.settings),
    refresh: sharesIoAcrossRequests(runtime) ? 'watch' : 'poll',
    waitUntil: (promise) => runtime.waitUntil(promise),
    log: telemetry.log,
  }) as SettingsCache<ToolkitSettings>;
  live.settings = settings;
  const chaos = chaosAllowed(config)
    ? createChaos({
        service: definition.name,
        settings: () => settings.current().chaos,
        telemetry,
        now: () => runtime.now(),
      })
    : undefined;
  const store = neonHttpEventStore(sql, {
    schemas: storeSchemas(definition),
    now: () => runtime.now(),
    batchAppends: sharesIoAcrossRequests(runtime),
  });
  const events = chaos ? chaosEventStore(store, chaos) : store;
  // Telemetry keeps its own client: metrics must reach Redis whatever faults the others get.
  const storageRedis = chaos ? chaosRedis(createRedis(config), chaos) : redis;
  const relay = definition.outbox
    ? qstashOutboxRelay({
        store: events,
        env,
        telemetry,
        ...(chaos ? { decorate: (publish) => chaosPublisher(publish, chaos) } : {}),
      })
    : undefined;
  const { QSTASH_CURRENT_SIGNING_KEY: current, QSTASH_NEXT_SIGNING_KEY: next } = config;
  const selfUrl =
    (config[selfUrlVariable(definition.name)] as string | undefined) ??
    firstServiceUrl(env, definition.name);
  return assembleDeps<Config, Settings>(definition, {
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
    breakerStore: upstashBreakerStore(storageRedis, {
      prefix: `${config.EDGEMESH_BREAKER_PREFIX}:${definition.name}:`,
    }),
    healthChecks: storageHealthChecks(sql, storageRedis),
    ...(selfUrl ? { selfUrl } : {}),
    settings,
    limiters: upstashLimiters(storageRedis),
    ...(config.EDGEMESH_RATE_LIMITS ? { rateLimitOverrides: config.EDGEMESH_RATE_LIMITS } : {}),
    access: {
      secrets: [config.SERVICE_AUTH_SECRET, config.SERVICE_AUTH_NEXT_SECRET].filter(
        (secret): secret is string => secret !== undefined,
      ),
      operatorToken: config.EDGEMESH_OPERATOR_TOKEN,
      replay: redisReplayGuard(storageRedis, {
        onUnavailable: (error) =>
          telemetry.log.warn('replay guard: Redis unreachable, checking signatures only', {
            error,
          }),
      }),
    },
    ...(config.EDGEMESH_INSTANCE ? { instance: config.EDGEMESH_INSTANCE } : {}),
    ...(chaos ? { chaos } : {}),
    fetch: runtime.fetch,
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    waitUntil: (promise) => runtime.waitUntil(promise),
  });
}
