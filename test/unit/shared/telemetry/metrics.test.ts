import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../../../shared/telemetry/metrics/exposition.ts';
import {
  createMetricsRegistry,
  overflowLabel,
} from '../../../../shared/telemetry/metrics/registry.ts';
import { memoryMetricsStore } from '../../../../shared/telemetry/metrics/store.ts';
import { metricsStoreContract } from '../../../fixtures/telemetry/metrics-store-contract.ts';

metricsStoreContract('memory', memoryMetricsStore);

describe('metrics registry', () => {
  it('records new label sets beyond the series limit under _other', () => {
    const registry = createMetricsRegistry({ maxSeriesPerFamily: 2 });
    const hits = registry.counter('hits_total', 'Hits.', ['path']);
    for (const path of ['/a', '/b', '/c', '/d', '/a']) hits.inc({ path });
    const { increments } = registry.takeDeltas();
    expect(Object.fromEntries(increments)).toEqual({
      'hits_total{path="/a"}': 2,
      'hits_total{path="/b"}': 1,
      [`hits_total{path="${overflowLabel}"}`]: 2,
    });
  });

  it('keeps label sets apart that share a prefix, and counts one series once across handles', () => {
    const registry = createMetricsRegistry({ maxSeriesPerFamily: 3 });
    const hits = registry.counter('hits_total', 'Hits.', ['method', 'route']);
    const again = registry.counter('hits_total', 'Hits.', ['method', 'route']);
    hits.inc({ method: 'GET', route: '/a' });
    hits.inc({ method: 'GET', route: '/b' });
    again.inc({ method: 'GET', route: '/a' });
    hits.inc({ method: 'POST', route: '/a' });
    again.inc({ method: 'PUT', route: '/a' });
    expect(Object.fromEntries(registry.takeDeltas().increments)).toEqual({
      'hits_total{method="GET",route="/a"}': 2,
      'hits_total{method="GET",route="/b"}': 1,
      'hits_total{method="POST",route="/a"}': 1,
      [`hits_total{method="${overflowLabel}",route="${overflowLabel}"}`]: 1,
    });
  });

  it('hands out each delta once and puts back deltas of a failed flush', () => {
    const registry = createMetricsRegistry();
    const hits = registry.counter('hits_total', 'Hits.');
    hits.inc();
    const first = registry.takeDeltas();
    expect(registry.takeDeltas().increments.size).toBe(0);
    hits.inc({}, 2);
    registry.restore(first);
    expect(registry.takeDeltas().increments.get('hits_total')).toBe(3);
  });

  it('escapes label values so the exposition still parses', () => {
    const registry = createMetricsRegistry();
    registry.counter('odd_total', 'Odd "labels"\nand help.', ['value']).inc({ value: 'a"b\\c\nd' });
    const store = registry.takeDeltas();
    const text = renderPrometheus({ families: store.families, values: store.increments });
    const [family] = parsePrometheusTextFormat(text) as Array<{
      metrics: Array<{ labels: Record<string, string> }>;
    }>;
    expect(family!.metrics[0]!.labels.value).toBe('a"b\\c\nd');
  });

  it('rejects a family declared twice with different kinds', () => {
    const registry = createMetricsRegistry();
    registry.counter('x_total', 'X.');
    expect(() => registry.gauge('x_total', 'X.')).toThrow(/already a counter/);
  });

  it('ignores negative counter increments and non-finite observations', () => {
    const registry = createMetricsRegistry();
    registry.counter('c_total', 'C.').inc({}, -1);
    registry.histogram('h_seconds', 'H.').observe({}, Number.NaN);
    expect(registry.takeDeltas().increments.size).toBe(0);
  });
});
