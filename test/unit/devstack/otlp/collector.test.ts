import { describe, expect, it } from 'vitest';
import { otlpCollectorApp } from '../../../../devstack/otlp/collector.ts';
import { decodeOtlpTraces, type CollectedSpan } from '../../../../devstack/otlp/spans.ts';
import { memoryTraceStore } from '../../../../devstack/otlp/trace-store.ts';
import { renderWaterfall } from '../../../../devstack/otlp/waterfall.ts';

const traceId = '0af7651916cd43dd8448eb211c80319c';

function otlpSpan(
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  startMs: number,
  endMs: number,
  attributes: Record<string, string> = {},
) {
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 2,
    startTimeUnixNano: String(BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(BigInt(endMs) * 1_000_000n),
    attributes: Object.entries(attributes).map(([key, value]) => ({
      key,
      value: { stringValue: value },
    })),
    status: { code: 0 },
  };
}

function exportRequest(service: string, spans: unknown[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'edgemesh' }, spans }],
      },
    ],
  };
}

describe('OTLP collector', () => {
  it('stores exported spans and finds their trace by order id', async () => {
    const app = otlpCollectorApp(memoryTraceStore());
    const post = (body: unknown) =>
      app.request('/v1/traces', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await post(
          exportRequest('orders', [
            otlpSpan('aaaaaaaaaaaaaaaa', undefined, 'POST /orders', 0, 30, { 'order.id': 'o-1' }),
          ]),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await post(
          exportRequest('inventory', [
            otlpSpan('bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa', 'POST /reservations', 5, 20),
          ]),
        )
      ).status,
    ).toBe(200);
    const found = (await (
      await app.request('/api/traces?attribute=order.id&value=o-1')
    ).json()) as { traceIds: string[] };
    expect(found.traceIds).toEqual([traceId]);
    const trace = (await (await app.request(`/api/traces/${traceId}`)).json()) as {
      spans: CollectedSpan[];
    };
    expect(trace.spans.map((span) => `${span.service} ${span.name}`)).toEqual([
      'orders POST /orders',
      'inventory POST /reservations',
    ]);
    expect((await app.request('/api/traces/ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });

  it('rejects protobuf with 415 and a body that is not an export with 400', async () => {
    const app = otlpCollectorApp(memoryTraceStore());
    const protobuf = await app.request('/v1/traces', {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([1]),
    });
    expect(protobuf.status).toBe(415);
    const bad = await app.request('/v1/traces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    expect(bad.status).toBe(400);
  });

  it('decodes base64 ids and typed attribute values', () => {
    const [span] = decodeOtlpTraces(
      exportRequest('orders', [
        {
          ...otlpSpan('', undefined, 'x', 0, 1),
          traceId: Buffer.from(traceId, 'hex').toString('base64'),
          spanId: Buffer.from('aaaaaaaaaaaaaaaa', 'hex').toString('base64'),
          attributes: [
            { key: 'n', value: { intValue: '7' } },
            { key: 'ok', value: { boolValue: true } },
          ],
        },
      ]),
    );
    expect(span).toMatchObject({
      traceId,
      spanId: 'aaaaaaaaaaaaaaaa',
      attributes: { n: 7, ok: true },
    });
  });

  it('evicts the oldest trace beyond its capacity', () => {
    const store = memoryTraceStore({ maxTraces: 2 });
    for (const id of ['1', '2', '3']) {
      store.add(
        decodeOtlpTraces(
          exportRequest('s', [
            { ...otlpSpan('aaaaaaaaaaaaaaaa', undefined, id, 0, 1), traceId: id.repeat(32) },
          ]),
        ),
      );
    }
    expect(store.get('1'.repeat(32))).toEqual([]);
    expect(store.recent().map((trace) => trace.traceId)).toEqual(['3'.repeat(32), '2'.repeat(32)]);
  });
});

describe('trace waterfall', () => {
  it('prints the span tree indented by depth with bars and durations, orphans as roots', () => {
    const spans = decodeOtlpTraces(
      exportRequest('orders', [
        otlpSpan('aaaaaaaaaaaaaaaa', undefined, 'POST /orders', 0, 100, { 'order.id': 'o-1' }),
        otlpSpan('bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa', 'POST inventory', 50, 100),
        otlpSpan('cccccccccccccccc', 'dddddddddddddddd', 'orphan', 1, 10),
      ]),
    );
    const lines = renderWaterfall(spans, { barWidth: 10 }).trimEnd().split('\n');
    expect(lines).toEqual([
      `trace ${traceId}  3 spans  100 ms`,
      ' 100 ms |██████████| orders: POST /orders  order.id=o-1',
      '50.0 ms |     █████|   orders: POST inventory',
      ' 9.0 ms |█         | orders: orphan',
    ]);
  });
});
