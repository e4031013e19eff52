import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isEdgeMeshError } from '../../../../shared/errors/edgemesh-error.ts';
import type { Runtime } from '../../../../shared/runtime/runtime.ts';
import { telemetryFromEnv } from '../../../../shared/telemetry/from-env.ts';
import { instrumentApp } from '../../../../shared/telemetry/hono.ts';
import { createLogger } from '../../../../shared/telemetry/log.ts';
import { memoryMetricsStore } from '../../../../shared/telemetry/metrics/store.ts';
import { createTelemetry } from '../../../../shared/telemetry/telemetry.ts';

/** An instrumented app whose exports and waitUntil promises are recorded, on fake timers. */
function setup(options: { flushDelayMs?: number; flushBatchSpans?: number } = {}) {
  const exports: ReadableSpan[][] = [];
  const kept: Array<Promise<unknown>> = [];
  const store = memoryMetricsStore();
  const telemetry = createTelemetry({
    service: 'unit',
    spans: {
      send: (spans) => {
        exports.push([...spans]);
        return Promise.resolve();
      },
    },
    metricsStore: store,
    log: createLogger({ service: 'unit', write: () => {} }),
    waitUntil: (promise) => void kept.push(promise),
    ...options,
  });
  const app = instrumentApp(
    new Hono().get('/health', (c) => c.json({ ok: true })),
    telemetry,
  );
  const requests = async (count: number) => {
    for (let i = 0; i < count; i += 1) expect((await app.request('/health')).status).toBe(200);
  };
  const requestsCounted = async () =>
    [...(await store.read()).values]
      .filter(([key]) => key.startsWith('edgemesh_http_requests_total{'))
      .reduce((sum, [, value]) => sum + value, 0);
  return { exports, kept, requests, requestsCounted };
}

describe('telemetry flush cadence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('answers requests before their spans are exported, then exports every span of the window in one batch', async () => {
    const { exports, kept, requests, requestsCounted } = setup({ flushDelayMs: 1000 });
    await requests(5);
    expect(exports).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exports.map((batch) => batch.length)).toEqual([5]);
    expect(await requestsCounted()).toBe(5);
    // One waitUntil holds the window for all five requests, and it settles.
    expect(kept).toHaveLength(1);
    await expect(Promise.all(kept)).resolves.toBeDefined();
  });

  it('exports at once when a full batch of spans waits, without waiting for the window', async () => {
    const { exports, requests } = setup({ flushDelayMs: 1000, flushBatchSpans: 3 });
    await requests(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(exports.map((batch) => batch.length)).toEqual([3]);
    await requests(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exports.map((batch) => batch.length)).toEqual([3, 1]);
  });

  it('loses no span recorded while an export is in flight', async () => {
    const { exports, requests } = setup({ flushDelayMs: 10, flushBatchSpans: 2 });
    await requests(7);
    await vi.advanceTimersByTimeAsync(20);
    expect(exports.flat()).toHaveLength(7);
  });
});

describe('flush cadence from env', () => {
  /** An app instrumented from `env`, counting the exports its runtime's fetch carries. */
  function fromEnv(env: Record<string, string>) {
    const exported: string[] = [];
    const runtime: Runtime = {
      name: 'node',
      fetch: (input) => {
        exported.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(new Response('{}'));
      },
      now: () => Date.now(),
      waitUntil: () => {},
    };
    const telemetry = telemetryFromEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.test', LOG_LEVEL: 'error', ...env },
      runtime,
      { service: 'unit' },
    );
    const app = instrumentApp(
      new Hono().get('/health', (c) => c.json({ ok: true })),
      telemetry,
    );
    return { app, exported };
  }

  it('exports after each request when OTEL_BSP_SCHEDULE_DELAY is 0', async () => {
    const { app, exported } = fromEnv({ OTEL_BSP_SCHEDULE_DELAY: '0' });
    await app.request('/health');
    await vi.waitFor(() => expect(exported).toEqual(['http://collector.test/v1/traces']));
  });

  it('names the variable when the cadence is not a number', () => {
    expect.assertions(2);
    try {
      fromEnv({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'lots' });
    } catch (error) {
      expect(isEdgeMeshError(error)).toBe(true);
      expect(String(error)).toContain('OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
    }
  });
});
