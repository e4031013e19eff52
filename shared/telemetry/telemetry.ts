import {
  ROOT_CONTEXT,
  SpanKind,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { experimentSampler } from './experiment.ts';
import { createFlusher } from './flush.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetricsRegistry, type MetricsRegistry } from './metrics/registry.ts';
import type { MetricsStore } from './metrics/store.ts';
import type { SpanSink } from './otlp-exporter.ts';
import { extractTraceContext, type TraceCarrier } from './propagation.ts';
import { Scope, type ScopeKit } from './scope.ts';
import { spanBuffer } from './span-buffer.ts';
import { createStandardMetrics, type StandardMetrics } from './standard-metrics.ts';
import type { SpanOptions, TraceScope } from './trace-scope.ts';

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** `service.name` of spans and the `service` label of metrics. */
  service: string;
  /** Where finished spans go; none = spans only propagate context, nothing is recorded. */
  spans?: SpanSink;
  /** Sampler for new traces. Default parent-based with `sampleRatio`. */
  sampler?: Sampler;
  /** Ratio of new traces sampled (parent-based: a remote decision is kept), or a function read per new trace (a live setting). Default 1. */
  sampleRatio?: number | (() => number);
  /** Where metric deltas are pushed and `/metrics` reads the aggregate; none = not recorded. */
  metricsStore?: MetricsStore;
  /** The isolate's registry. Default a new one. */
  metrics?: MetricsRegistry;
  /** Structured logger. Default a JSON logger for `service` that writes info and above. */
  log?: Logger;
  /** Keeps work alive after a response when a request has no execution context. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** fetch under traced fetches. Default the global fetch. */
  fetch?: typeof fetch;
  /**
   * Window in ms that batches the flushes of the requests inside it into one, held open by the
   * first request's waitUntil (Workers keep an isolate alive for it after the response). Default 1000.
   */
  flushDelayMs?: number;
  /** Spans that are flushed at once, before the window ends. Default 512. */
  flushBatchSpans?: number;
  /** More resource attributes (`deployment.environment`, …). */
  resource?: Attributes;
}

/** One isolate's telemetry: tracer, metrics registry, logger, and the flush of both. */
export interface Telemetry {
  readonly service: string;
  readonly tracer: Tracer;
  readonly metrics: MetricsRegistry;
  readonly standard: StandardMetrics;
  readonly log: Logger;
  readonly metricsStore: MetricsStore | undefined;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** A scope for work whose parent arrives in `carrier` (HTTP headers, message headers). */
  startScope(name: string, carrier: TraceCarrier, options?: SpanOptions): TraceScope;
  /** A scope for a span already started by the caller. */
  scopeOf(context: Context): TraceScope;
  /** Exports buffered spans and pushes metric deltas now; never rejects. */
  flush(): Promise<void>;
  /**
   * Flushes after `flushDelayMs` (at once when `flushBatchSpans` spans wait), sharing one flush
   * with every request in between; hands the flush to `keepAlive` (a waitUntil) once, from the
   * call that scheduled it.
   */
  scheduleFlush(keepAlive?: (promise: Promise<void>) => void): Promise<void>;
}

function rootSampler(ratio: number): Sampler {
  return ratio >= 1
    ? new AlwaysOnSampler()
    : ratio <= 0
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
}

/** A root sampler whose ratio is read per new trace; one inner sampler per ratio seen. */
class LiveRatioSampler implements Sampler {
  #ratio = Number.NaN;
  #inner: Sampler = new AlwaysOnSampler();
  constructor(private readonly ratio: () => number) {}
  shouldSample(...args: Parameters<Sampler['shouldSample']>) {
    const ratio = this.ratio();
    if (ratio !== this.#ratio) {
      this.#ratio = ratio;
      this.#inner = rootSampler(ratio);
    }
    return this.#inner.shouldSample(...args);
  }
  toString(): string {
    return `LiveRatioSampler{${this.#ratio}}`;
  }
}

function defaultSampler(ratio: number | (() => number)): Sampler {
  return new ParentBasedSampler({
    root: typeof ratio === 'function' ? new LiveRatioSampler(ratio) : rootSampler(ratio),
  });
}

/**
 * Creates an isolate's telemetry. Spans are buffered and exported by `flush`, metrics are
 * recorded in memory and pushed as deltas by the same flush, meant to run inside waitUntil.
 * Context is explicit: a TraceScope is passed (in Hono, `c.var.telemetry`), no AsyncLocalStorage.
 * @example const telemetry = createTelemetry({ service: 'orders', spans: otlpHttpExporter({ endpoint }), metricsStore });
 */
export function createTelemetry({
  service,
  spans,
  sampler,
  sampleRatio = 1,
  metricsStore,
  metrics = createMetricsRegistry(),
  log = createLogger({ service }),
  waitUntil = (promise) => void promise.catch(() => {}),
  fetch: baseFetch = (input, init) => fetch(input, init),
  flushDelayMs = 1000,
  flushBatchSpans = 512,
  resource = {},
}: TelemetryOptions): Telemetry {
  const buffer = spanBuffer();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...resource }),
    sampler: experimentSampler(
      spans ? (sampler ?? defaultSampler(sampleRatio)) : new AlwaysOffSampler(),
    ),
    spanProcessors: spans ? [buffer] : [],
  });
  const tracer = provider.getTracer('edgemesh');
  const standard = createStandardMetrics(metrics, service);
  const { flush, scheduleFlush } = createFlusher(
    { service, buffer, spans, metrics, metricsStore, log },
    { delayMs: flushDelayMs, maxBatchSpans: flushBatchSpans },
  );
  const kit: ScopeKit = { tracer, standard, log, baseFetch };

  return {
    service,
    tracer,
    metrics,
    standard,
    log,
    metricsStore,
    waitUntil,
    startScope(name, carrier, options = {}) {
      const parent = extractTraceContext(carrier, ROOT_CONTEXT);
      const span = tracer.startSpan(
        name,
        {
          kind: options.kind ?? SpanKind.SERVER,
          ...(options.attributes ? { attributes: options.attributes } : {}),
        },
        parent,
      );
      return new Scope(kit, parent, span);
    },
    scopeOf(context) {
      return new Scope(kit, context);
    },
    flush,
    scheduleFlush,
  };
}
