import type { CollectedSpan } from './spans.ts';

/** A trace's summary for listings. */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  services: string[];
  spanCount: number;
  startNs: string;
  durationMs: number;
}

/** Recent traces in memory, oldest evicted first. */
export interface TraceStore {
  add(spans: readonly CollectedSpan[]): void;
  get(traceId: string): CollectedSpan[];
  /** Trace ids that have a span with `attribute` equal to `value`, newest first. */
  findByAttribute(attribute: string, value: string): string[];
  recent(limit?: number): TraceSummary[];
}

/** Summarises one trace's spans. */
export function summarise(traceId: string, spans: readonly CollectedSpan[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.spanId));
  const root = spans.find((span) => !span.parentSpanId || !ids.has(span.parentSpanId)) ?? spans[0];
  const start = spans.reduce(
    (min, span) => (BigInt(span.startNs) < min ? BigInt(span.startNs) : min),
    BigInt(root?.startNs ?? 0),
  );
  const end = spans.reduce(
    (max, span) => (BigInt(span.endNs) > max ? BigInt(span.endNs) : max),
    start,
  );
  return {
    traceId,
    rootName: root ? `${root.service} ${root.name}` : '',
    services: [...new Set(spans.map((span) => span.service))].sort(),
    spanCount: spans.length,
    startNs: start.toString(),
    durationMs: Number(end - start) / 1e6,
  };
}

/** Keeps the spans of the last `maxTraces` traces (default 1000), by first arrival. */
export function memoryTraceStore({ maxTraces = 1000 }: { maxTraces?: number } = {}): TraceStore {
  const traces = new Map<string, CollectedSpan[]>();
  return {
    add(spans) {
      for (const span of spans) {
        const list = traces.get(span.traceId);
        if (list) {
          if (!list.some((known) => known.spanId === span.spanId)) list.push(span);
          continue;
        }
        traces.set(span.traceId, [span]);
        if (traces.size > maxTraces) traces.delete(traces.keys().next().value!);
      }
    },
    get: (traceId) => [...(traces.get(traceId.toLowerCase()) ?? [])],
    findByAttribute(attribute, value) {
      const found: string[] = [];
      for (const [traceId, spans] of traces) {
        if (spans.some((span) => String(span.attributes[attribute]) === value)) found.push(traceId);
      }
      return found.reverse();
    },
    recent(limit = 20) {
      return [...traces.entries()]
        .slice(-limit)
        .reverse()
        .map(([traceId, spans]) => summarise(traceId, spans));
    },
  };
}
