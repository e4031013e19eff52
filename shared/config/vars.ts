import * as z from 'zod';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';

const nonEmpty = z.string().trim().min(1);

/** A postgres:// or postgresql:// connection string. */
export const postgresUrl = nonEmpty.refine((value) => /^postgres(ql)?:\/\/[^/]+/.test(value), {
  message: 'expected postgres://user:password@host/database',
});

/** An http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

/** Postgres, Redis and the local endpoints every function that stores state needs. */
export const storageVars = z.object({
  DATABASE_URL: postgresUrl,
  NEON_FETCH_ENDPOINT: httpUrl.optional(),
  NEON_WS_PROXY: nonEmpty
    .refine((value) => !/^\w+:\/\//.test(value), { message: 'expected host:port/path, no scheme' })
    .optional(),
  UPSTASH_REDIS_REST_URL: httpUrl,
  UPSTASH_REDIS_REST_TOKEN: nonEmpty,
});

export type StorageConfig = z.infer<typeof storageVars>;

const samplerNames = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Tracing, logging and metrics settings; every variable optional (OTel's own names). */
export const telemetryVars = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: nonEmpty
    .refine((value) => value.split(',').every((pair) => /^[^=]+=.*$/.test(pair.trim())), {
      message: 'expected key=value pairs separated by commas',
    })
    .optional(),
  OTEL_SERVICE_NAME: nonEmpty.optional(),
  OTEL_TRACES_SAMPLER: z.enum(samplerNames).optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** Flush window in ms (the batch span processor's variable; here metrics go out with the spans). */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).max(30_000).optional(),
  /** Spans that flush at once, before the window ends. */
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  /** Redis key prefix of aggregated metrics; `<prefix>:<service>`. Default `edgemesh:metrics`. */
  EDGEMESH_METRICS_PREFIX: nonEmpty.optional(),
});

export type TelemetryConfig = z.infer<typeof telemetryVars>;

/** Service-to-service calls: the secret that signs them (≥ 16 characters). */
export const serviceCallVars = z.object({
  SERVICE_AUTH_SECRET: nonEmpty.min(16, { message: 'expected at least 16 characters' }),
});

export type ServiceCallConfig = z.infer<typeof serviceCallVars>;

/** QStash: where to publish (QSTASH_URL, QSTASH_TOKEN) and the keys that verify deliveries. */
export const qstashVars = z.object({
  QSTASH_URL: httpUrl,
  QSTASH_TOKEN: nonEmpty,
  QSTASH_CURRENT_SIGNING_KEY: nonEmpty,
  QSTASH_NEXT_SIGNING_KEY: nonEmpty,
});

export type QstashConfig = z.infer<typeof qstashVars>;

/** What a QStash consumer needs: the current and next keys that verify `Upstash-Signature`. */
export const qstashConsumerVars = qstashVars.pick({
  QSTASH_CURRENT_SIGNING_KEY: true,
  QSTASH_NEXT_SIGNING_KEY: true,
});

export type QstashConsumerConfig = z.infer<typeof qstashConsumerVars>;

/**
 * A function that publishes with QStash must also verify what QStash delivers to it: throws
 * CONFIG when `QSTASH_TOKEN` is set without both signing keys.
 */
export function requireSigningKeysWithToken(config: Partial<QstashConfig>): void {
  if (!config.QSTASH_TOKEN) return;
  const missing = (['QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY'] as const).filter(
    (name) => !config[name],
  );
  if (missing.length > 0) {
    throw new EdgeMeshError(
      'CONFIG',
      `invalid configuration: ${missing.map((name) => `${name} is missing`).join('; ')} (required with QSTASH_TOKEN)`,
    );
  }
}
