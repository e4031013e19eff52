import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { CollectedSpan } from '../../../../devstack/otlp/spans.ts';
import { createLogger } from '../../../../shared/telemetry/log.ts';
import { otlpHttpExporter } from '../../../../shared/telemetry/otlp-exporter.ts';
import { createTelemetry } from '../../../../shared/telemetry/telemetry.ts';

const endpoint = inject('devstackVars').OTEL_EXPORTER_OTLP_ENDPOINT!;

describe('OTLP/HTTP export to the devstack collector', () => {
  it('delivers a parent and its children with their attributes and service', async () => {
    const telemetry = createTelemetry({
      service: 'export-test',
      spans: otlpHttpExporter({ endpoint }),
    });
    const orderId = randomUUID();
    const scope = telemetry.startScope('POST /orders', {});
    scope.annotate({ 'order.id': orderId });
    await scope.run('reserve stock', async (child) => {
      await child.query('update stock set reserved = reserved + $1', () => Promise.resolve(1));
    });
    scope.span.end();
    await telemetry.flush();

    const response = await fetch(`${endpoint}/api/traces/${scope.traceId}`);
    const { spans } = (await response.json()) as { spans: CollectedSpan[] };
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual(['POST /orders', 'postgres UPDATE', 'reserve stock']);
    expect(byName.get('POST /orders')).toMatchObject({
      service: 'export-test',
      attributes: { 'order.id': orderId },
    });
    expect(byName.get('reserve stock')!.parentSpanId).toBe(scope.spanId);
    expect(byName.get('postgres UPDATE')!.parentSpanId).toBe(byName.get('reserve stock')!.spanId);
    expect(BigInt(byName.get('POST /orders')!.startNs)).toBeGreaterThan(
      BigInt(Date.now() - 60_000) * 1_000_000n,
    );
  });

  it('does not fail the caller when the collector is unreachable, and counts the failure', async () => {
    const lines: string[] = [];
    const telemetry = createTelemetry({
      service: 'export-test',
      spans: otlpHttpExporter({ endpoint: 'http://127.0.0.1:9', timeoutMs: 2000 }),
      log: createLogger({ service: 'export-test', write: (line) => lines.push(line) }),
    });
    telemetry.startScope('GET /x', {}).span.end();
    await expect(telemetry.flush()).resolves.toBeUndefined();
    expect(lines.some((line) => line.includes('span export failed'))).toBe(true);
    const deltas = telemetry.metrics.takeDeltas();
    expect(
      deltas.increments.get(
        'edgemesh_telemetry_export_failures_total{service="export-test",signal="traces"}',
      ),
    ).toBe(1);
  });
});
