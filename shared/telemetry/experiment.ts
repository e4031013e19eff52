import { trace, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { TraceCarrier } from './propagation.ts';

/** The header that marks a request as one chaos experiment's traffic. */
export const experimentHeader = 'x-chaos-experiment';
/** The span attribute that carries it, and the `tracestate` member that propagates it. */
export const experimentAttribute = 'chaos.experiment';
const traceStateKey = 'chaos';
// A tracestate value: printable ASCII without `,` and `=`, at most 256 characters.
const traceStateValue = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

function lookup(carrier: TraceCarrier | undefined, name: string): string | undefined {
  if (!carrier) return undefined;
  if (carrier instanceof Headers) return carrier.get(name) ?? undefined;
  for (const key in carrier) if (key.toLowerCase() === name) return carrier[key];
  return undefined;
}

/**
 * The experiment a request, call or delivery belongs to: its `x-chaos-experiment` header, else
 * the `chaos` member of its `tracestate`, which carries it wherever the trace goes (calls, QStash
 * messages, saga steps).
 */
export function experimentOf(carrier: TraceCarrier | undefined): string | undefined {
  const header = lookup(carrier, experimentHeader);
  if (header) return header;
  const state = lookup(carrier, 'tracestate') ?? lookup(carrier, 'upstash-forward-tracestate');
  return state ? new TraceState(state).get(traceStateKey) : undefined;
}

/** The span attributes a server span starts with for `carrier`'s experiment, if any. */
export function experimentAttributes(carrier: TraceCarrier): Attributes {
  const experiment = lookup(carrier, experimentHeader);
  return experiment && traceStateValue.test(experiment)
    ? { [experimentAttribute]: experiment }
    : {};
}

/**
 * `inner`, and a span started with a `chaos.experiment` attribute gets it in its `tracestate`
 * (sampled or not), so every call and message in its trace carries the experiment on.
 */
export function experimentSampler(inner: Sampler): Sampler {
  return {
    shouldSample(context, traceId, name, kind, attributes: Attributes, links): SamplingResult {
      const result = inner.shouldSample(context, traceId, name, kind, attributes, links);
      const experiment = attributes[experimentAttribute];
      if (typeof experiment !== 'string') return result;
      const parent = result.traceState ?? spanTraceState(context);
      return { ...result, traceState: (parent ?? new TraceState()).set(traceStateKey, experiment) };
    },
    toString: () => `ExperimentSampler{${inner.toString()}}`,
  };
}

function spanTraceState(context: Parameters<Sampler['shouldSample']>[0]) {
  return trace.getSpanContext(context)?.traceState;
}
