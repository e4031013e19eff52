import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A span processor that keeps ended, sampled spans until a flush takes them. */
export interface SpanBuffer extends SpanProcessor {
  /** Takes every buffered span. */
  take(): ReadableSpan[];
  /** Spans waiting for a flush. */
  readonly size: number;
  /** Spans dropped because the buffer was full, since the isolate started. */
  readonly dropped: number;
}

/**
 * Buffers ended spans in memory, without timers (an isolate may not run timers between
 * requests); when `maxSpans` are waiting the oldest are dropped and counted.
 */
export function spanBuffer({ maxSpans = 2048 }: { maxSpans?: number } = {}): SpanBuffer {
  let spans: ReadableSpan[] = [];
  let dropped = 0;
  return {
    onStart(_span: Span, _context: Context) {},
    onEnd(span) {
      if (spans.length >= maxSpans) {
        spans.shift();
        dropped += 1;
      }
      spans.push(span);
    },
    take() {
      const taken = spans;
      spans = [];
      return taken;
    },
    get size() {
      return spans.length;
    },
    get dropped() {
      return dropped;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
