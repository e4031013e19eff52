import { Client } from '@upstash/qstash';
import type { Redis } from '@upstash/redis';
import type { z } from 'zod';
import { createSettingsAdmin, type SettingsAdmin } from '../../shared/config/index.ts';
import { configStoreFromConfig, configStoreVars } from '../../shared/config/store-from-env.ts';
import { createSql } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';

/** A running function as the console shows it. */
export interface ConsoleFunction {
  readonly name: string;
  readonly url: string;
  readonly runtime: string;
}

/** What the console reads of a function's declaration (a `defineService` result). */
export interface ConsoleService {
  readonly name: string;
  readonly settings?: z.ZodType | undefined;
  readonly definition: {
    readonly calls?: Readonly<Record<string, unknown>> | undefined;
    readonly topics?: readonly string[] | undefined;
    readonly subscriptions?: readonly { topic: string; path: string; name?: string }[] | undefined;
    readonly outbox?: boolean | undefined;
    readonly schedules?: readonly { id: string; path: string; cron: string }[] | undefined;
  };
}

/** The clients the console's routes read from and write through. */
export interface ConsoleSources {
  readonly functions: readonly ConsoleFunction[];
  readonly services: readonly ConsoleService[];
  readonly qstash: Client;
  readonly redis: Redis;
  readonly settings: SettingsAdmin;
  readonly sql: ReturnType<typeof createSql>;
  /** The OTLP collector's base URL, when one runs. */
  readonly collector: string | undefined;
  /** Prefix of breaker state in Redis (EDGEMESH_BREAKER_PREFIX). */
  readonly breakerPrefix: string;
}

function need(vars: Record<string, string | undefined>, name: string): string {
  const value = vars[name];
  if (!value) throw new Error(`console: ${name} is not set`);
  return value;
}

/** Builds every client from the variables the functions see (what `npm start` writes). */
export function consoleSources(
  vars: Record<string, string | undefined>,
  functions: readonly ConsoleFunction[],
  services: readonly ConsoleService[],
): ConsoleSources {
  const redis = createRedis({
    UPSTASH_REDIS_REST_URL: need(vars, 'UPSTASH_REDIS_REST_URL'),
    UPSTASH_REDIS_REST_TOKEN: need(vars, 'UPSTASH_REDIS_REST_TOKEN'),
  });
  const store = configStoreFromConfig(configStoreVars.parse(vars));
  return {
    functions,
    services,
    qstash: new Client({ baseUrl: need(vars, 'QSTASH_URL'), token: need(vars, 'QSTASH_TOKEN') }),
    redis,
    settings: createSettingsAdmin({
      store,
      services: Object.fromEntries(services.map((service) => [service.name, service.settings])),
    }),
    sql: createSql({
      DATABASE_URL: need(vars, 'DATABASE_URL'),
      ...(vars.NEON_FETCH_ENDPOINT ? { NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT } : {}),
      ...(vars.NEON_WS_PROXY ? { NEON_WS_PROXY: vars.NEON_WS_PROXY } : {}),
    }),
    collector: vars.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/v1\/traces$/, '').replace(/\/$/, ''),
    breakerPrefix: vars.EDGEMESH_BREAKER_PREFIX || 'edgemesh:breaker',
  };
}
