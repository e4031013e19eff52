import {
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const propagator = new W3CTraceContextPropagator();

/** Headers as any of the carriers the toolkit sees: Headers, a plain record, a QStash message. */
export type TraceCarrier = Headers | Readonly<Record<string, string | undefined>>;

/** Prefix QStash strips on delivery: `Upstash-Forward-traceparent` arrives as `traceparent`. */
export const upstashForwardPrefix = 'Upstash-Forward-';

function lookup(carrier: TraceCarrier, name: string): string | undefined {
  if (carrier instanceof Headers) return carrier.get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const key in carrier) if (key.toLowerCase() === lower) return carrier[key];
  return undefined;
}

// A message not yet delivered carries the forward-prefixed names; after delivery, the plain ones.
const getter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => (carrier instanceof Headers ? [...carrier.keys()] : Object.keys(carrier)),
  get: (carrier, key) => lookup(carrier, key) ?? lookup(carrier, `${upstashForwardPrefix}${key}`),
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * The remote parent carried by W3C `traceparent`/`tracestate` (or their
 * `Upstash-Forward-` forms); ROOT_CONTEXT when absent or malformed.
 */
export function extractTraceContext(carrier: TraceCarrier, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, carrier, getter);
}

/** `traceparent` (and `tracestate` when set) for the span in `context`; empty without a span. */
export function traceHeaders(context: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(context, headers, recordSetter);
  return headers;
}

/**
 * Trace headers for a QStash message: `Upstash-Forward-traceparent` (and `-tracestate`), which
 * QStash delivers to the consumer as `traceparent`, so the consumer's span joins the trace.
 * @example await qstash.publishJSON({ url, body, headers: forwardTraceHeaders(scope.context) })
 */
export function forwardTraceHeaders(context: Context): Record<string, string> {
  return Object.fromEntries(
    Object.entries(traceHeaders(context)).map(([name, value]) => [
      `${upstashForwardPrefix}${name}`,
      value,
    ]),
  );
}

/** Sets `traceparent`/`tracestate` of `context` on `headers` (mutates and returns it). */
export function injectTraceHeaders(context: Context, headers: Headers): Headers {
  for (const [name, value] of Object.entries(traceHeaders(context))) headers.set(name, value);
  return headers;
}

/** The W3C `traceparent` of the span in `context`, to persist (e.g. with a saga step). */
export function traceparentOf(context: Context): string | undefined {
  return trace.getSpanContext(context) ? traceHeaders(context).traceparent : undefined;
}
