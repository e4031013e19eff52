import type { Attributes, Context, Span, SpanKind } from '@opentelemetry/api';
import type { Logger } from './log.ts';
import type { StandardMetrics } from './standard-metrics.ts';

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
