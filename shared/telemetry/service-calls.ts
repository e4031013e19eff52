import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { AttemptObservation, ServiceAttempt } from '../http/service-client.ts';
import { errorOf } from './error-of.ts';
import { extractTraceContext, traceHeaders } from './propagation.ts';
import type { Telemetry } from './telemetry.ts';

// Segments that name one thing rather than a route: UUIDs, numbers, long hex or opaque tokens.
const idSegment =
  /^(?:[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}|\d+|[\da-f]{16,}|[\w-]{33,})$/i;

/**
 * A bounded name of an HTTP operation, `POST /reservations/:id/confirm`: path segments that look
 * like ids (UUIDs, numbers, long hex or tokens) become `:id`, so it can be a metric label.
 */
export function operationOf(method: string, path: string): string {
  return `${method.toUpperCase()} ${templatePath(path)}`;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `path` with the segments that look like ids (see {@link operationOf}) replaced by `:id`. */
export function templatePath(path: string): string {
  const templated = path
    .split('/')
    .map((segment) => (idSegment.test(decoded(segment)) ? ':id' : segment))
    .join('/');
  return templated || '/';
}

/**
 * The service client's `observe` hook for `telemetry`: each attempt is a client span (child of
 * the request's `traceparent`, which the span's own replaces) with service, endpoint, attempt
 * and breaker state, and counts in the per-dependency calls, errors, retries and duration.
 * @example createServiceClient<InventoryApp>({ service: 'inventory', registry, observe: serviceCallObserver(telemetry) })
 */
export function serviceCallObserver(
  telemetry: Telemetry,
): (attempt: ServiceAttempt) => AttemptObservation {
  return function observeAttempt({
    service,
    endpoint,
    method,
    path,
    attempt,
    breakerState,
    headers,
  }) {
    const operation = operationOf(method, path);
    const parent = extractTraceContext(headers);
    const attributes: Attributes = {
      'http.request.method': method.toUpperCase(),
      'peer.service': service,
      'edgemesh.endpoint': operation,
      'edgemesh.attempt': attempt,
      'server.address': endpoint,
    };
    if (breakerState) attributes['edgemesh.breaker.state'] = breakerState;
    const span = telemetry.tracer.startSpan(
      `${operation.split(' ')[0]} ${service}`,
      { kind: SpanKind.CLIENT, attributes },
      parent,
    );
    const started = performance.now();
    return {
      headers: traceHeaders(trace.setSpan(parent, span)),
      end({ status, error }) {
        let failed = error !== undefined;
        if (status !== undefined) {
          span.setAttribute('http.response.status_code', status);
          failed = failed || status >= 500;
        }
        if (error !== undefined) span.recordException(errorOf(error));
        if (failed) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            ...(error !== undefined ? { message: errorOf(error).message } : {}),
          });
        }
        span.end();
        telemetry.standard.recordDependency(
          service,
          operation,
          failed ? 'error' : 'ok',
          (performance.now() - started) / 1000,
          attempt,
        );
      },
    };
  };
}
