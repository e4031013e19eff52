import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { errorOf } from './error-of.ts';
import type { Logger } from './log.ts';
import { statementKind } from './postgres.ts';
import { forwardTraceHeaders, injectTraceHeaders, traceHeaders } from './propagation.ts';
import type { StandardMetrics } from './standard-metrics.ts';
import type { OutboundOptions, SpanOptions, TracedFetch, TraceScope } from './trace-scope.ts';

/** What every scope of one telemetry shares. */
export interface ScopeKit {
  readonly tracer: Tracer;
  readonly standard: StandardMetrics;
  readonly log: Logger;
  readonly baseFetch: typeof fetch;
}

function urlParts(input: RequestInfo | URL): URL | undefined {
  try {
    return new URL(input instanceof Request ? input.url : input.toString());
  } catch {
    return undefined;
  }
}

/**
 * A TraceScope built once per request: its methods live on the prototype and its logger and
 * traced fetch are made on first use, so a request that only answers pays for neither.
 */
export class Scope implements TraceScope {
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
