import type { Redis } from '@upstash/redis';
import { loadConfig } from '../../shared/config/load.ts';
import { storageVars } from '../../shared/config/vars.ts';
import { postgresCheck, redisCheck, type HealthCheck } from '../../shared/health/health.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import type { Env, Runtime } from '../../shared/runtime/runtime.ts';
import { neonOrderStore } from './neon-order-store.ts';
import type { OrderStore } from './store.ts';

export const ordersConfigSchema = storageVars;

/** Everything the orders app does I/O through. */
export interface OrdersDeps {
  service: string;
  store: OrderStore;
  healthChecks: readonly HealthCheck[];
  now(): number;
  newId(): string;
  redis?: Redis;
}

/** Builds the orders deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): OrdersDeps {
  const config = loadConfig(env, ordersConfigSchema);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  return {
    service: 'orders',
    store: neonOrderStore(sql),
    healthChecks: [
      postgresCheck((text, signal) => sql.query(text, [], { fetchOptions: { signal } })),
      redisCheck(redis),
    ],
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    redis,
  };
}
