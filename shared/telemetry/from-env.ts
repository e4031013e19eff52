import type { Redis } from '@upstash/redis';
import { loadConfig } from '../config/load.ts';
import { telemetryVars } from '../config/vars.ts';
import type { Env, Runtime } from '../runtime/runtime.ts';
import { createLogger, type LogLevel } from './log.ts';
import { upstashMetricsStore } from './metrics/upstash-store.ts';
import { otlpHttpExporter, parseOtlpHeaders } from './otlp-exporter.ts';
import { redactorFor } from './redact.ts';
import { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.ts';

function ratioOf(sampler: string | undefined, arg: number | undefined): number {
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') return arg ?? 1;
  return 1;
}

export interface TelemetryFromEnvOptions extends Partial<TelemetryOptions> {
  /** The service name unless `OTEL_SERVICE_NAME` overrides it. */
  service: string;
  /** Redis for cross-isolate metrics; none = metrics are not aggregated. */
  redis?: Redis;
  /** Key prefix in Redis. Default `<EDGEMESH_METRICS_PREFIX>:<service>` (`edgemesh:metrics:<service>`). */
  metricsPrefix?: string;
  /** The live log level, read per line; undefined falls back to `LOG_LEVEL`. */
  liveLogLevel?: () => LogLevel | undefined;
  /** The live sampling ratio, read per new trace; undefined falls back to `OTEL_TRACES_SAMPLER(_ARG)`. */
  liveSampleRatio?: () => number | undefined;
}

/**
 * Builds an isolate's telemetry from env (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_SAMPLER`,
 * `OTEL_TRACES_SAMPLER_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `LOG_LEVEL`,
 * `EDGEMESH_METRICS_PREFIX`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`):
 * OTLP export when an endpoint is set, metrics in Redis, a logger that redacts env secrets.
 */
export function telemetryFromEnv(
  env: Env,
  runtime: Runtime,
  {
    service: fallbackService,
    redis,
    metricsPrefix,
    liveLogLevel,
    liveSampleRatio,
    ...overrides
  }: TelemetryFromEnvOptions,
): Telemetry {
  const config = loadConfig(env, telemetryVars);
  const service = config.OTEL_SERVICE_NAME ?? fallbackService;
  const envRatio = ratioOf(config.OTEL_TRACES_SAMPLER, config.OTEL_TRACES_SAMPLER_ARG);
  const log = createLogger({
    service,
    level: liveLogLevel
      ? () => liveLogLevel() ?? config.LOG_LEVEL ?? 'info'
      : (config.LOG_LEVEL ?? 'info'),
    redact: redactorFor(env),
    now: () => runtime.now(),
  });
  return createTelemetry({
    service,
    log,
    fetch: runtime.fetch,
    waitUntil: (promise) => runtime.waitUntil(promise),
    sampleRatio: liveSampleRatio ? () => liveSampleRatio() ?? envRatio : envRatio,
    ...(config.OTEL_BSP_SCHEDULE_DELAY === undefined
      ? {}
      : { flushDelayMs: config.OTEL_BSP_SCHEDULE_DELAY }),
    ...(config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE === undefined
      ? {}
      : { flushBatchSpans: config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE }),
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          spans: otlpHttpExporter({
            endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
            headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
            fetch: runtime.fetch,
          }),
        }
      : {}),
    ...(redis
      ? {
          metricsStore: upstashMetricsStore(redis, {
            prefix:
              metricsPrefix ?? `${config.EDGEMESH_METRICS_PREFIX ?? 'edgemesh:metrics'}:${service}`,
          }),
        }
      : {}),
    ...overrides,
  });
}
