import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Hono, type Context, type Env as HonoEnv, type MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { problemErrorHandler, problemNotFound } from '../errors/hono.ts';
import { renderPrometheus, prometheusContentType } from './metrics/exposition.ts';
import { experimentAttributes } from './experiment.ts';
import type { Telemetry } from './telemetry.ts';
import type { TraceScope } from './trace-scope.ts';

/** Hono variables set by the telemetry middleware: `c.get('telemetry')` is the request's scope. */
export interface TelemetryVariables {
  telemetry: TraceScope;
}

/** A Hono env with the telemetry variables, for `new Hono<TelemetryEnv>()`. */
export interface TelemetryEnv extends HonoEnv {
  Variables: TelemetryVariables;
}

/** The request's telemetry scope when the telemetry middleware runs (`instrumentApp`), else undefined. */
export function requestScope(c: Context): TraceScope | undefined {
  // c.get, not c.var: Hono builds a new object of every variable on each read of c.var.
  return (c as Context<TelemetryEnv>).get('telemetry');
}

/** Route template label of requests no route matched; keeps label cardinality bounded. */
export const unmatchedRoute = '(unmatched)';

/** The matched route template of the handler that answered (`/orders/:id`), never a raw path. */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  const route = routes[c.req.routeIndex] ?? routes.at(-1);
  if (!route || (route.method === 'ALL' && /^\/?\*$/.test(route.path) && c.res.status === 404)) {
    return unmatchedRoute;
  }
  return route.path;
}

function waitUntilOf(c: Context, telemetry: Telemetry): (promise: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    // app.request() and hosts without an execution context.
    return telemetry.waitUntil;
  }
}

export interface TelemetryMiddlewareOptions {
  /** Paths neither traced nor counted. Default `['/metrics']`. */
  ignorePaths?: readonly string[];
  /** Level of the one line per request (method, route, status, ms), or false for none. Default `debug`: written when the log level is debug. */
  accessLog?: 'debug' | 'info' | false;
}

/**
 * Hono middleware: extracts `traceparent`/`tracestate`, opens the request's server span (named
 * by route template, with status), exposes its scope as `c.var.telemetry`, answers with a
 * `traceresponse` header, records RED metrics, and flushes spans and metrics in waitUntil.
 */
export function telemetryMiddleware(
  telemetry: Telemetry,
  { ignorePaths = ['/metrics'], accessLog = 'debug' }: TelemetryMiddlewareOptions = {},
): MiddlewareHandler<TelemetryEnv> {
  return async function traceRequest(c, next) {
    if (ignorePaths.includes(c.req.path)) return next();
    const method = c.req.method;
    const scope = telemetry.startScope(method, c.req.raw.headers, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'url.path': c.req.path,
        // An experiment's header goes on in the trace's tracestate, to every call and message.
        ...experimentAttributes(c.req.raw.headers),
      },
    });
    c.set('telemetry', scope);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    const route = routeTemplate(c);
    const span = scope.span;
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) {
      if (c.error) span.recordException(c.error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      scope.log.error('request failed', { method, route, status, error: c.error });
    } else if (accessLog && telemetry.log.enabled(accessLog)) {
      scope.log[accessLog]('request', { method, route, status, ms: Math.round(seconds * 1000) });
    }
    span.end();
    telemetry.standard.recordRequest(method, route, status, seconds);
    const flags = span.spanContext().traceFlags.toString(16).padStart(2, '0');
    try {
      c.res.headers.set('traceresponse', `00-${scope.traceId}-${scope.spanId}-${flags}`);
    } catch {
      // Immutable headers (a proxied response): the trace id is still in the logs.
    }
    void telemetry.scheduleFlush((flushing) => waitUntilOf(c, telemetry)(flushing));
  };
}

/**
 * `GET /metrics`: pushes this isolate's pending deltas, then renders the aggregate of every
 * isolate from the metrics store as Prometheus text exposition.
 */
export function metricsHandler(telemetry: Telemetry) {
  return async function renderMetrics(c: Context): Promise<Response> {
    await telemetry.flush();
    const store = telemetry.metricsStore;
    const body = store ? renderPrometheus(await store.read()) : '';
    return c.body(body, 200, { 'content-type': prometheusContentType });
  };
}

/**
 * Wraps a finished app: telemetry middleware in front of every route, `GET /metrics`, problem
 * rendering for unmatched routes. Route templates and the app's own onError are kept.
 * @example export default workerEntry((env, runtime) => instrumentApp(createOrdersApp(deps), telemetry));
 */
export function instrumentApp(
  app: Hono<any, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  telemetry: Telemetry,
  options: TelemetryMiddlewareOptions = {},
): Hono {
  const outer = new Hono();
  outer.use(telemetryMiddleware(telemetry, options) as MiddlewareHandler);
  outer.get('/metrics', metricsHandler(telemetry));
  outer.route('/', app);
  outer.notFound(problemNotFound);
  // The middleware logs 5xx through the redacting logger; the default would print raw errors.
  outer.onError(problemErrorHandler({ onServerError: () => {} }));
  return outer;
}
