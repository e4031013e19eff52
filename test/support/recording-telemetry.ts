import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createMetricsRegistry } from '../../shared/telemetry/metrics/registry.ts';
import { createTelemetry } from '../../shared/telemetry/telemetry.ts';

/** Telemetry whose flush keeps the finished spans in `spans`, and its metrics registry. */
export function recordingTelemetry(service = 'orders') {
  const spans: ReadableSpan[] = [];
  const metrics = createMetricsRegistry();
  const telemetry = createTelemetry({
    service,
    metrics,
    flushDelayMs: 0,
    spans: {
      send: (batch) => {
        spans.push(...batch);
        return Promise.resolve();
      },
    },
  });
  return { telemetry, spans, metrics };
}
