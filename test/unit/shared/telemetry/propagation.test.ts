import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  extractTraceContext,
  forwardTraceHeaders,
  injectTraceHeaders,
  traceHeaders,
  traceparentOf,
} from '../../../../shared/telemetry/propagation.ts';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context propagation', () => {
  it('extracts traceparent and tracestate from Headers and plain records, any case', () => {
    for (const carrier of [
      new Headers({ traceparent, tracestate: 'vendor=1' }),
      { TraceParent: traceparent, tracestate: 'vendor=1' },
    ]) {
      const context = extractTraceContext(carrier);
      const span = trace.getSpanContext(context)!;
      expect(span).toMatchObject({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        isRemote: true,
      });
      expect(span.traceState?.get('vendor')).toBe('1');
    }
  });

  it('reads the Upstash-Forward- form of a message not yet delivered', () => {
    const context = extractTraceContext({ 'Upstash-Forward-traceparent': traceparent });
    expect(trace.getSpanContext(context)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('ignores a malformed traceparent', () => {
    expect(trace.getSpanContext(extractTraceContext({ traceparent: '00-zz-01' }))).toBeUndefined();
  });

  it('writes traceparent, Upstash-Forward-traceparent and Headers for the same span', () => {
    const context = extractTraceContext({ traceparent, tracestate: 'a=b' });
    expect(traceHeaders(context)).toEqual({ traceparent, tracestate: 'a=b' });
    expect(forwardTraceHeaders(context)).toEqual({
      'Upstash-Forward-traceparent': traceparent,
      'Upstash-Forward-tracestate': 'a=b',
    });
    expect(injectTraceHeaders(context, new Headers()).get('traceparent')).toBe(traceparent);
    expect(traceparentOf(context)).toBe(traceparent);
  });

  it('writes nothing for a context without a span', () => {
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
    expect(traceparentOf(ROOT_CONTEXT)).toBeUndefined();
  });
});
