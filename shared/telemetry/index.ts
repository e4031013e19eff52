export { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.ts';
export {
  breakerStates,
  type BreakerTransitionLike,
  type DeliveryOutcome,
  type StandardMetrics,
} from './standard-metrics.ts';
export type { OutboundOptions, SpanOptions, TracedFetch, TraceScope } from './trace-scope.ts';
export { telemetryFromEnv, type TelemetryFromEnvOptions } from './from-env.ts';
export {
  instrumentApp,
  metricsHandler,
  requestScope,
  routeTemplate,
  telemetryMiddleware,
  unmatchedRoute,
  type TelemetryEnv,
  type TelemetryMiddlewareOptions,
  type TelemetryVariables,
} from './hono.ts';
export {
  extractTraceContext,
  forwardTraceHeaders,
  injectTraceHeaders,
  traceHeaders,
  traceparentOf,
  upstashForwardPrefix,
  type TraceCarrier,
} from './propagation.ts';
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './log.ts';
export {
  isSecretFieldName,
  redacted,
  redactorFor,
  secretVarNames,
  type Redactor,
} from './redact.ts';
export {
  otlpHttpExporter,
  parseOtlpHeaders,
  type OtlpHttpExporterOptions,
  type SpanSink,
} from './otlp-exporter.ts';
export { statementKind } from './postgres.ts';
export { operationOf, serviceCallObserver, templatePath } from './service-calls.ts';
export { tracedOutboxPublisher } from './outbox-publisher.ts';
export {
  createMetricsRegistry,
  defaultDurationBuckets,
  overflowLabel,
  seriesKey,
  type Counter,
  type Gauge,
  type Histogram,
  type Labels,
  type MetricDeltas,
  type MetricFamily,
  type MetricKind,
  type MetricsRegistry,
  type MetricsRegistryOptions,
} from './metrics/registry.ts';
export { memoryMetricsStore, type MetricsSnapshot, type MetricsStore } from './metrics/store.ts';
export { prometheusContentType, renderPrometheus } from './metrics/exposition.ts';
export { isTraceparent, traceIdOfTraceparent } from './traceparent.ts';
export {
  experimentAttribute,
  experimentAttributes,
  experimentHeader,
  experimentOf,
  experimentSampler,
} from './experiment.ts';
