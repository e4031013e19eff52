import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
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
import { createLogger, type Logger } from './log.ts';
import { createMetricsRegistry, type MetricsRegistry } from './metrics/registry.ts';
import type { MetricsStore } from './metrics/store.ts';
import type { SpanSink } from './otlp-exporter.ts';
import {
  extractTraceContext,
  forwardTraceHeaders,
  injectTraceHeaders,
  traceHeaders,
  type TraceCarrier,
} from './propagation.ts';
import { statementKind } from './postgres.ts';
import { spanBuffer } from './span-buffer.ts';

/** Options of an outbound call made through a scope's fetch. */
export interface OutboundOptions {
  /** The called service or dependency, a metric label. Default the URL's host. */
  dependency?: string;
  /** A bounded name of the endpoint (`POST /reservations`), a metric label. Default the method. */
  endpoint?: string;
  /** Attempt number, 1 for the first; above 1 counts as a retry. Default 1. */
  attempt?: number;
  /** The caller's circuit breaker state, recorded on the span. */
  breakerState?: string;
}

/** fetch that opens a client span, injects `traceparent` and records dependency metrics. */
export type TracedFetch = (
  input: RequestInfo | URL,
  init?: RequestInit,
  options?: OutboundOptions,
) => Promise<Response>;

/** Options of a child span run through a scope. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Records the call as a dependency call (metrics) under this name. */
  dependency?: { name: string; operation: string; attempt?: number };
}

/**
 * The telemetry of one unit of work (a request, a message, a saga step): its span and context,
 * a logger that carries the trace and span ids, and helpers for child work.
 */
export interface TraceScope {
  /** The OpenTelemetry context holding this scope's span. */
  readonly context: Context;
  readonly span: Span;
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** Logs with `traceId` and `spanId` on every line. */
  readonly log: Logger;
  /** Outbound fetch in this scope: client span, `traceparent` injected, dependency metrics. */
  readonly fetch: TracedFetch;
  /** Runs `work` in a child span; the span ends (with error status on throw) when it settles. */
  run<T>(name: string, work: (scope: TraceScope) => Promise<T>, options?: SpanOptions): Promise<T>;
  /**
   * Runs a Postgres statement in a client span: `db.operation.name` its kind (`SELECT`, `WITH`, …),
   * named by `summary` (the store operation) when given. Values are never recorded.
   */
  query<T>(statement: string, work: () => Promise<T>, summary?: string): Promise<T>;
  /** Sets attributes on this scope's span, e.g. `{ 'order.id': id }`. */
  annotate(attributes: Attributes): void;
  /** `traceparent`/`tracestate` for this scope, for any carrier. */
  headers(): Record<string, string>;
  /** `Upstash-Forward-traceparent`/`-tracestate`, for a QStash message published here. */
  forwardHeaders(): Record<string, string>;
  /** The isolate's standard instruments, for modules that see a scope but not the telemetry. */
  readonly metrics: StandardMetrics;
}

/** What a queue consumer did with one delivery, a metric label. */
export type DeliveryOutcome = 'processed' | 'duplicate' | 'expired' | 'failed' | 'poison';

/** A circuit breaker's change of state, as `onTransition` of shared/breaker reports it. */
export interface BreakerTransitionLike {
  readonly scope: string;
  readonly from: string;
  readonly to: string;
}

/** Breaker states the `edgemesh_breaker_state` gauge has one series for. */
export const breakerStates = ['CLOSED', 'OPEN', 'HALF_OPEN', 'FORCED_OPEN', 'DISABLED'] as const;

/**
 * The instruments every service records: RED per route, per dependency, breakers, queue
 * deliveries and dead letters, saga outcomes. Labels are bounded names, never ids.
 */
export interface StandardMetrics {
  recordRequest(method: string, route: string, status: number, seconds: number): void;
  recordDependency(
    dependency: string,
    operation: string,
    outcome: 'ok' | 'error',
    seconds: number,
    attempt?: number,
  ): void;
  /** Breaker transitions (counter) and state (gauge, 1 for the current state, 0 for the rest). */
  recordBreakerTransition(transition: BreakerTransitionLike): void;
  /** One delivery to `consumer`; a `duplicate` also counts in the duplicates counter. */
  recordDelivery(consumer: string, outcome: DeliveryOutcome): void;
  /** A message `consumer` received as dead (QStash's failure callback). */
  recordDeadLetter(consumer: string): void;
  /** A saga that ended: outcome, reason (`none` when completed) and start-to-end seconds. */
  recordSaga(
    saga: string,
    outcome: 'completed' | 'aborted',
    reason: string | undefined,
    seconds: number | undefined,
  ): void;
}

export interface TelemetryOptions {
  /** `service.name` of spans and the `service` label of metrics. */
  service: string;
  /** Where finished spans go; none = spans only propagate context, nothing is recorded. */
  spans?: SpanSink;
  /** Sampler for new traces. Default parent-based with `sampleRatio`. */
  sampler?: Sampler;
  /** Ratio of new traces sampled (parent-based: a remote decision is kept). Default 1. */
  sampleRatio?: number;
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
  /** Delay in ms that batches the flushes of concurrent requests into one. Default 50. */
  flushDelayMs?: number;
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
   * Flushes after `flushDelayMs`, sharing one flush with every request in between; hands the
   * flush to `keepAlive` (a waitUntil) once, from the call that scheduled it.
   */
  scheduleFlush(keepAlive?: (promise: Promise<void>) => void): Promise<void>;
}

function defaultSampler(ratio: number): Sampler {
  return new ParentBasedSampler({
    root:
      ratio >= 1
        ? new AlwaysOnSampler()
        : ratio <= 0
          ? new AlwaysOffSampler()
          : new TraceIdRatioBasedSampler(ratio),
  });
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function urlParts(input: RequestInfo | URL): URL | undefined {
  try {
    return new URL(input instanceof Request ? input.url : input.toString());
  } catch {
    return undefined;
  }
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
  flushDelayMs = 50,
  resource = {},
}: TelemetryOptions): Telemetry {
  const buffer = spanBuffer();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...resource }),
    sampler: spans ? (sampler ?? defaultSampler(sampleRatio)) : new AlwaysOffSampler(),
    spanProcessors: spans ? [buffer] : [],
  });
  const tracer = provider.getTracer('edgemesh');

  const requests = metrics.counter('edgemesh_http_requests_total', 'HTTP requests served.', [
    'service',
    'method',
    'route',
    'status',
  ]);
  const requestErrors = metrics.counter(
    'edgemesh_http_request_errors_total',
    'HTTP requests answered with a 5xx status.',
    ['service', 'method', 'route'],
  );
  const requestDuration = metrics.histogram(
    'edgemesh_http_request_duration_seconds',
    'Time to answer an HTTP request, in seconds.',
    ['service', 'method', 'route'],
  );
  const dependencyCalls = metrics.counter(
    'edgemesh_dependency_calls_total',
    'Calls to a dependency, by outcome.',
    ['service', 'dependency', 'operation', 'outcome'],
  );
  const dependencyErrors = metrics.counter(
    'edgemesh_dependency_errors_total',
    'Calls to a dependency that failed.',
    ['service', 'dependency', 'operation'],
  );
  const dependencyRetries = metrics.counter(
    'edgemesh_dependency_retries_total',
    'Calls to a dependency that were retries (attempt > 1).',
    ['service', 'dependency', 'operation'],
  );
  const dependencyDuration = metrics.histogram(
    'edgemesh_dependency_duration_seconds',
    'Duration of a dependency call, in seconds.',
    ['service', 'dependency', 'operation'],
  );
  const breakerTransitions = metrics.counter(
    'edgemesh_breaker_transitions_total',
    'Circuit breaker transitions this isolate made or observed.',
    ['service', 'breaker', 'from', 'to'],
  );
  const breakerState = metrics.gauge(
    'edgemesh_breaker_state',
    'Circuit breaker state: 1 for the current state, 0 for the others.',
    ['service', 'breaker', 'state'],
  );
  const deliveries = metrics.counter(
    'edgemesh_queue_deliveries_total',
    'Queue messages delivered to a consumer, by outcome.',
    ['service', 'consumer', 'outcome'],
  );
  const duplicates = metrics.counter(
    'edgemesh_queue_duplicates_total',
    'Deliveries of a message the consumer had already processed.',
    ['service', 'consumer'],
  );
  const deadLetters = metrics.counter(
    'edgemesh_queue_dead_letters_total',
    'Messages dead-lettered after their retries were exhausted.',
    ['service', 'consumer'],
  );
  const sagaOutcomes = metrics.counter(
    'edgemesh_saga_outcomes_total',
    'Sagas that ended, by outcome and reason.',
    ['service', 'saga', 'outcome', 'reason'],
  );
  const sagaDuration = metrics.histogram(
    'edgemesh_saga_duration_seconds',
    'Time from a saga start to its end, in seconds.',
    ['service', 'saga', 'outcome'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  );
  const exportFailures = metrics.counter(
    'edgemesh_telemetry_export_failures_total',
    'Failed span exports and metric pushes.',
    ['service', 'signal'],
  );

  const standard: StandardMetrics = {
    recordRequest(method, route, status, seconds) {
      requests.inc({ service, method, route, status: String(status) });
      if (status >= 500) requestErrors.inc({ service, method, route });
      requestDuration.observe({ service, method, route }, seconds);
    },
    recordDependency(dependency, operation, outcome, seconds, attempt = 1) {
      const labels = { service, dependency, operation };
      dependencyCalls.inc({ ...labels, outcome });
      if (outcome === 'error') dependencyErrors.inc(labels);
      if (attempt > 1) dependencyRetries.inc(labels);
      dependencyDuration.observe(labels, seconds);
    },
    recordBreakerTransition({ scope, from, to }) {
      breakerTransitions.inc({ service, breaker: scope, from, to });
      for (const state of breakerStates) {
        breakerState.set({ service, breaker: scope, state }, state === to ? 1 : 0);
      }
    },
    recordDelivery(consumer, outcome) {
      deliveries.inc({ service, consumer, outcome });
      if (outcome === 'duplicate') duplicates.inc({ service, consumer });
    },
    recordDeadLetter(consumer) {
      deadLetters.inc({ service, consumer });
    },
    recordSaga(saga, outcome, reason, seconds) {
      sagaOutcomes.inc({ service, saga, outcome, reason: reason ?? 'none' });
      if (seconds !== undefined && seconds >= 0) {
        sagaDuration.observe({ service, saga, outcome }, seconds);
      }
    },
  };

  const kit: ScopeKit = { tracer, standard, log, baseFetch };
  function scopeOf(context: Context): TraceScope {
    return new Scope(kit, context);
  }

  async function flushNow(): Promise<void> {
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
  }

  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  // Single flight with one trailing flush: work recorded during a flush goes out right after it.
  function flush(): Promise<void> {
    if (!running) {
      running = flushNow().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running.then(() => {
      queued = undefined;
      return flush();
    });
    return queued;
  }

  let scheduled: Promise<void> | undefined;
  let held: Promise<void> | undefined;
  function scheduleFlush(keepAlive?: (promise: Promise<void>) => void): Promise<void> {
    const pending =
      flushDelayMs <= 0
        ? flush()
        : (scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, flushDelayMs)).then(
            () => {
              scheduled = undefined;
              return flush();
            },
          ));
    // The first caller of a window keeps it alive; the others skip a waitUntil each (a native
    // call that showed in workerd profiles).
    if (keepAlive && pending !== held) {
      held = pending;
      keepAlive(pending);
    }
    return pending;
  }

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
    scopeOf,
    flush,
    scheduleFlush,
  };
}

/** What every scope of one telemetry shares. */
interface ScopeKit {
  readonly tracer: Tracer;
  readonly standard: StandardMetrics;
  readonly log: Logger;
  readonly baseFetch: typeof fetch;
}

/**
 * A TraceScope built once per request: its methods live on the prototype and its logger and
 * traced fetch are made on first use, so a request that only answers pays for neither.
 */
class Scope implements TraceScope {
  readonly span: Span;
  readonly traceId: string;
  readonly spanId: string;
  #log: Logger | undefined;
  #fetch: TracedFetch | undefined;
  #context: Context | undefined;
  readonly #parent: Context;

  /** A scope for the span in `context`, or for `span` started under `context`. */
  constructor(
    private readonly kit: ScopeKit,
    context: Context,
    span?: Span,
  ) {
    this.#parent = context;
    if (span) this.span = span;
    else {
      this.span = trace.getSpan(context) ?? trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      this.#context = context;
    }
    const { traceId, spanId } = this.span.spanContext();
    this.traceId = traceId;
    this.spanId = spanId;
  }

  /** Made on first use: a request that starts no child span and sends nothing needs none. */
  get context(): Context {
    return (this.#context ??= trace.setSpan(this.#parent, this.span));
  }

  get log(): Logger {
    return (this.#log ??= this.kit.log.with({ traceId: this.traceId, spanId: this.spanId }));
  }

  get metrics(): StandardMetrics {
    return this.kit.standard;
  }

  /** Bound, so it can be handed on as a fetch. */
  get fetch(): TracedFetch {
    return (this.#fetch ??= (input, init, options) =>
      tracedFetch(this.kit, this.context, input, init, options));
  }

  async run<T>(
    name: string,
    work: (scope: TraceScope) => Promise<T>,
    options: SpanOptions = {},
  ): Promise<T> {
    const { tracer, standard } = this.kit;
    const child = tracer.startSpan(
      name,
      {
        kind: options.kind ?? SpanKind.INTERNAL,
        ...(options.attributes ? { attributes: options.attributes } : {}),
      },
      this.context,
    );
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'ok';
    try {
      return await work(new Scope(this.kit, this.context, child));
    } catch (error) {
      outcome = 'error';
      child.recordException(errorOf(error));
      child.setStatus({ code: SpanStatusCode.ERROR, message: errorOf(error).message });
      throw error;
    } finally {
      child.end();
      const dependency = options.dependency;
      if (dependency) {
        standard.recordDependency(
          dependency.name,
          dependency.operation,
          outcome,
          (performance.now() - started) / 1000,
          dependency.attempt,
        );
      }
    }
  }

  query<T>(statement: string, work: () => Promise<T>, summary?: string): Promise<T> {
    const kind = statementKind(statement);
    const attributes: Attributes = { 'db.system.name': 'postgresql', 'db.operation.name': kind };
    if (summary) attributes['db.query.summary'] = summary;
    return this.run(`postgres ${summary ?? kind}`, () => work(), {
      kind: SpanKind.CLIENT,
      attributes,
      dependency: { name: 'postgres', operation: summary ?? kind },
    });
  }

  annotate(attributes: Attributes): void {
    this.span.setAttributes(attributes);
  }

  headers(): Record<string, string> {
    return traceHeaders(this.context);
  }

  forwardHeaders(): Record<string, string> {
    return forwardTraceHeaders(this.context);
  }
}

/** fetch in a scope: a client span, `traceparent` injected, dependency metrics recorded. */
async function tracedFetch(
  { tracer, standard, baseFetch }: ScopeKit,
  context: Context,
  input: RequestInfo | URL,
  init: RequestInit = {},
  options: OutboundOptions = {},
): Promise<Response> {
  const url = urlParts(input);
  const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const dependency = options.dependency ?? url?.host ?? 'unknown';
  const endpoint = options.endpoint ?? method;
  const attempt = options.attempt ?? 1;
  const attributes: Attributes = {
    'http.request.method': method,
    'peer.service': dependency,
    'edgemesh.endpoint': endpoint,
    'edgemesh.attempt': attempt,
  };
  // The query string may carry credentials; the span keeps scheme, host and path only.
  if (url) {
    attributes['url.full'] = `${url.origin}${url.pathname}`;
    attributes['server.address'] = url.hostname;
  }
  if (options.breakerState) attributes['edgemesh.breaker.state'] = options.breakerState;
  const span = tracer.startSpan(
    `${method} ${dependency}`,
    { kind: SpanKind.CLIENT, attributes },
    context,
  );
  const headers = injectTraceHeaders(
    trace.setSpan(context, span),
    new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined)),
  );
  const started = performance.now();
  try {
    const response = await baseFetch(input, { ...init, headers });
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    standard.recordDependency(
      dependency,
      endpoint,
      response.status >= 500 ? 'error' : 'ok',
      (performance.now() - started) / 1000,
      attempt,
    );
    return response;
  } catch (error) {
    span.recordException(errorOf(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorOf(error).message });
    standard.recordDependency(
      dependency,
      endpoint,
      'error',
      (performance.now() - started) / 1000,
      attempt,
    );
    throw error;
  } finally {
    span.end();
  }
}
