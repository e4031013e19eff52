import { describe, expect, it } from 'vitest';
import { recordingTelemetry } from '../../../support/recording-telemetry.ts';
import { createBreakerSet } from '../../../../shared/breaker/breakers.ts';
import { memoryBreakerStore } from '../../../../shared/breaker/memory-store.ts';
import { staticRegistry } from '../../../../shared/discovery/static.ts';
import { memoryPublisher } from '../../../../shared/event-store/publisher.ts';
import { createServiceFetch } from '../../../../shared/http/service-client.ts';
import { tracedOutboxPublisher } from '../../../../shared/telemetry/outbox-publisher.ts';
import { operationOf, serviceCallObserver } from '../../../../shared/telemetry/service-calls.ts';

const parentTrace = '0af7651916cd43dd8448eb211c80319c';
const parent = `00-${parentTrace}-b7ad6b7169203331-01`;

const spanIdOf = (traceparent: string | null) => traceparent?.split('-')[2];

describe('operationOf', () => {
  it('templates id-like path segments so the operation is a bounded label', () => {
    expect(operationOf('post', '/reservations/3f0c1a52-3b4e-4c1d-9d7e-0b6f4a3c2d1e/confirm')).toBe(
      'POST /reservations/:id/confirm',
    );
    expect(operationOf('GET', '/orders/42')).toBe('GET /orders/:id');
    expect(operationOf('GET', '/stock/kettle')).toBe('GET /stock/kettle');
    expect(operationOf('GET', '/')).toBe('GET /');
  });
});

describe('serviceCallObserver', () => {
  it('makes each attempt a client span under the caller’s trace and records retries', async () => {
    const { telemetry, spans, metrics } = recordingTelemetry();
    const seen: Request[] = [];
    let calls = 0;
    const serviceFetch = createServiceFetch({
      service: 'inventory',
      registry: staticRegistry({ SERVICE_INVENTORY_URL: 'http://inventory.test' }),
      breakers: createBreakerSet({ store: memoryBreakerStore() }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      observe: serviceCallObserver(telemetry),
      fetch: (input, init) => {
        seen.push(new Request(input, init));
        calls += 1;
        return Promise.resolve(new Response(null, { status: calls === 1 ? 503 : 201 }));
      },
    });
    const response = await serviceFetch(
      'http://inventory.service/reservations/3f0c1a52-3b4e-4c1d-9d7e-0b6f4a3c2d1e/confirm',
      { method: 'POST', headers: { traceparent: parent, 'idempotency-key': 'k' } },
    );
    expect(response.status).toBe(201);
    // Read before the flush, which drains the registry.
    const values = Object.fromEntries(metrics.takeDeltas().increments);
    await telemetry.flush();

    expect(spans.map((span) => span.name)).toEqual(['POST inventory', 'POST inventory']);
    expect(spans.map((span) => span.attributes)).toEqual([
      expect.objectContaining({
        'peer.service': 'inventory',
        'edgemesh.endpoint': 'POST /reservations/:id/confirm',
        'edgemesh.attempt': 1,
        'edgemesh.breaker.state': 'CLOSED',
        'http.response.status_code': 503,
      }),
      expect.objectContaining({ 'edgemesh.attempt': 2, 'http.response.status_code': 201 }),
    ]);
    for (const [index, span] of spans.entries()) {
      expect(span.spanContext().traceId).toBe(parentTrace);
      expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      // The callee's parent is the attempt's span, not the caller's.
      expect(spanIdOf(seen[index]!.headers.get('traceparent'))).toBe(span.spanContext().spanId);
    }
    const labels =
      'service="orders",dependency="inventory",operation="POST /reservations/:id/confirm"';
    expect(values[`edgemesh_dependency_calls_total{${labels},outcome="error"}`]).toBe(1);
    expect(values[`edgemesh_dependency_calls_total{${labels},outcome="ok"}`]).toBe(1);
    expect(values[`edgemesh_dependency_errors_total{${labels}}`]).toBe(1);
    expect(values[`edgemesh_dependency_retries_total{${labels}}`]).toBe(1);
    expect(values[`edgemesh_dependency_duration_seconds_count{${labels}}`]).toBe(2);
  });
});

describe('tracedOutboxPublisher', () => {
  it('publishes under a producer span whose traceparent replaces the row’s', async () => {
    const { telemetry, spans } = recordingTelemetry();
    const inner = memoryPublisher();
    const publish = tracedOutboxPublisher(inner.publish, telemetry);
    await publish(
      {
        id: 'row-1',
        destination: 'http://orders.test/saga/steps',
        body: { kind: 'step', sagaId: 'o-1' },
        headers: { traceparent: parent, 'Upstash-Retries': '4' },
      },
      new AbortController().signal,
    );
    await telemetry.flush();
    const [span] = spans;
    expect(span).toMatchObject({ name: 'publish /saga/steps' });
    expect(span!.attributes).toMatchObject({
      'messaging.system': 'qstash',
      'messaging.message.id': 'row-1',
      'saga.id': 'o-1',
    });
    expect(span!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    const sent = inner.messages[0]!;
    expect(sent.headers['Upstash-Retries']).toBe('4');
    expect(sent.headers.traceparent).toBe(`00-${parentTrace}-${span!.spanContext().spanId}-01`);
  });

  it('marks the span failed and rethrows when the queue refuses', async () => {
    const { telemetry, spans } = recordingTelemetry();
    const inner = memoryPublisher();
    inner.failNext(1, new Error('queue down'));
    const publish = tracedOutboxPublisher(inner.publish, telemetry);
    await expect(
      publish(
        { id: 'row-2', destination: 'order-events', body: {}, headers: {} },
        new AbortController().signal,
      ),
    ).rejects.toThrow('queue down');
    await telemetry.flush();
    expect(spans[0]).toMatchObject({ name: 'publish order-events', status: { code: 2 } });
  });
});

describe('standard metrics', () => {
  it('keeps one breaker state at 1 and counts each transition', () => {
    const { telemetry, metrics } = recordingTelemetry();
    telemetry.standard.recordBreakerTransition({ scope: 'inventory', from: 'CLOSED', to: 'OPEN' });
    telemetry.standard.recordBreakerTransition({
      scope: 'inventory',
      from: 'OPEN',
      to: 'HALF_OPEN',
    });
    const deltas = metrics.takeDeltas();
    const state = (kind: string) =>
      deltas.gauges.get(
        `edgemesh_breaker_state{service="orders",breaker="inventory",state="${kind}"}`,
      );
    expect([state('CLOSED'), state('OPEN'), state('HALF_OPEN')]).toEqual([0, 0, 1]);
    expect(
      deltas.increments.get(
        'edgemesh_breaker_transitions_total{service="orders",breaker="inventory",from="CLOSED",to="OPEN"}',
      ),
    ).toBe(1);
  });

  it('counts deliveries by outcome, duplicates, dead letters and saga outcomes by reason', () => {
    const { telemetry, metrics } = recordingTelemetry('notifications');
    const scope = telemetry.startScope('POST /events/orders', {});
    scope.metrics.recordDelivery('notifications', 'processed');
    scope.metrics.recordDelivery('notifications', 'duplicate');
    scope.metrics.recordDeadLetter('notifications');
    scope.metrics.recordSaga('place-order', 'aborted', 'out_of_stock', 0.3);
    scope.metrics.recordSaga('place-order', 'completed', undefined, 1.2);
    const values = Object.fromEntries(metrics.takeDeltas().increments);
    const svc = 'service="notifications"';
    expect(values).toMatchObject({
      [`edgemesh_queue_deliveries_total{${svc},consumer="notifications",outcome="processed"}`]: 1,
      [`edgemesh_queue_deliveries_total{${svc},consumer="notifications",outcome="duplicate"}`]: 1,
      [`edgemesh_queue_duplicates_total{${svc},consumer="notifications"}`]: 1,
      [`edgemesh_queue_dead_letters_total{${svc},consumer="notifications"}`]: 1,
      [`edgemesh_saga_outcomes_total{${svc},saga="place-order",outcome="aborted",reason="out_of_stock"}`]: 1,
      [`edgemesh_saga_outcomes_total{${svc},saga="place-order",outcome="completed",reason="none"}`]: 1,
      [`edgemesh_saga_duration_seconds_count{${svc},saga="place-order",outcome="completed"}`]: 1,
    });
  });
});
