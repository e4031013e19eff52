import type { MiddlewareHandler } from 'hono';
import { loadConfig } from '../../shared/config/load.ts';
import { serviceCallVars, storageVars } from '../../shared/config/vars.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { neonHttpEventStore } from '../../shared/event-store/neon.ts';
import { storageHealthChecks, type HealthCheck } from '../../shared/health/health.ts';
import { verifyServiceAuth } from '../../shared/http/auth.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import { sharesIoAcrossRequests, type Env, type Runtime } from '../../shared/runtime/runtime.ts';
import { telemetryFromEnv } from '../../shared/telemetry/from-env.ts';
import type { Telemetry } from '../../shared/telemetry/telemetry.ts';
import { paymentEventSchemas } from './schema.ts';

export const paymentsConfigSchema = storageVars.extend(serviceCallVars.partial().shape);

/** Everything the payments app does I/O through. */
export interface PaymentsDeps {
  service: string;
  /** Payment streams, their documents, and the one-payment-per-order claims. */
  events: EventStore;
  /** Checks service-to-service signatures; absent lets every caller in. */
  serviceAuth?: MiddlewareHandler;
  healthChecks: readonly HealthCheck[];
  now(): number;
  /** Traces, metrics and logs; `instrumentApp` wires it in the entry files. */
  telemetry: Telemetry;
}

/** Builds the payments deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): PaymentsDeps {
  const config = loadConfig(env, paymentsConfigSchema);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  return {
    service: 'payments',
    events: neonHttpEventStore(sql, {
      schemas: paymentEventSchemas,
      now: () => runtime.now(),
      batchAppends: sharesIoAcrossRequests(runtime),
    }),
    ...(config.SERVICE_AUTH_SECRET
      ? { serviceAuth: verifyServiceAuth({ secret: config.SERVICE_AUTH_SECRET }) }
      : {}),
    healthChecks: storageHealthChecks(sql, redis),
    now: () => runtime.now(),
    telemetry: telemetryFromEnv(env, runtime, { service: 'payments', redis }),
  };
}
