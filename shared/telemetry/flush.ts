import { errorOf } from './error-of.ts';
import type { Logger } from './log.ts';
import type { MetricsRegistry } from './metrics/registry.ts';
import type { MetricsStore } from './metrics/store.ts';
import type { SpanSink } from './otlp-exporter.ts';
import type { SpanBuffer } from './span-buffer.ts';

/** What a telemetry flush sends and where. */
export interface FlushTargets {
  /** `service` label of the export failures counter. */
  readonly service: string;
  readonly buffer: SpanBuffer;
  readonly spans: SpanSink | undefined;
  readonly metrics: MetricsRegistry;
  readonly metricsStore: MetricsStore | undefined;
  readonly log: Logger;
}

/** A telemetry's flush and its batched, delayed variant (see `Telemetry`). */
export interface Flusher {
  readonly flush: () => Promise<void>;
  readonly scheduleFlush: (keepAlive?: (promise: Promise<void>) => void) => Promise<void>;
}

/**
 * Exports buffered spans and pushes metric deltas; a failure is logged and counted, and metric
 * deltas that could not be pushed go back to the registry for the next flush. Never rejects.
 */
function exportSignals({
  service,
  buffer,
  spans,
  metrics,
  metricsStore,
  log,
}: FlushTargets): () => Promise<void> {
  const exportFailures = metrics.counter(
    'edgemesh_telemetry_export_failures_total',
    'Failed span exports and metric pushes.',
    ['service', 'signal'],
  );
  return async function flushNow() {
    const finished = buffer.take();
    const deltas = metrics.takeDeltas();
    await Promise.all([
      spans && finished.length > 0
        ? spans.send(finished).catch((error: unknown) => {
            exportFailures.inc({ service, signal: 'traces' });
            log.warn('span export failed', {
              error: errorOf(error).message,
              spans: finished.length,
            });
          })
        : undefined,
      metricsStore?.push(deltas).catch((error: unknown) => {
        metrics.restore(deltas);
        exportFailures.inc({ service, signal: 'metrics' });
        log.warn('metrics push failed', { error: errorOf(error).message });
      }),
    ]);
  };
}

/** Single flight with one trailing run: work recorded during a run goes out right after it. */
function singleFlight(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  return function flush(): Promise<void> {
    if (!running) {
      running = work().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running.then(() => {
      queued = undefined;
      return flush();
    });
    return queued;
  };
}

/** When buffered work goes out: after `delayMs`, or at once when `maxBatchSpans` spans wait. */
export interface FlushCadence {
  /** Window in ms that batches the flushes of the requests inside it; 0 or less flushes every time. */
  readonly delayMs: number;
  /** Spans that flush at once, before the window ends. */
  readonly maxBatchSpans: number;
}

/**
 * `flush` after `delayMs`, one run shared by every call in the window, or at once when
 * `maxBatchSpans` spans are waiting. A flush runs on the isolate's only thread, so the request
 * that arrives during it waits: how often it runs decides how many requests do.
 */
function batchedWindow(
  flush: () => Promise<void>,
  waitingSpans: () => number,
  { delayMs, maxBatchSpans }: FlushCadence,
): Flusher['scheduleFlush'] {
  let scheduled: Promise<void> | undefined;
  let held: Promise<void> | undefined;
  return function scheduleFlush(keepAlive) {
    const pending =
      delayMs <= 0 || waitingSpans() >= maxBatchSpans
        ? flush()
        : (scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
            scheduled = undefined;
            return flush();
          }));
    // The first caller of a window keeps it alive; the others skip a waitUntil each (a native
    // call that showed in workerd profiles).
    if (keepAlive && pending !== held) {
      held = pending;
      keepAlive(pending);
    }
    return pending;
  };
}

/** The flush of one telemetry: spans and metric deltas, single flight, batched by `cadence`. */
export function createFlusher(targets: FlushTargets, cadence: FlushCadence): Flusher {
  const flush = singleFlight(exportSignals(targets));
  return { flush, scheduleFlush: batchedWindow(flush, () => targets.buffer.size, cadence) };
}
