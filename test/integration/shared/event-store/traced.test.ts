// Postgres query spans: a store call made for a request becomes one client span per statement in
// that request's trace, named by the store operation, with the statement kind and never a value.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { recordingTelemetry } from '../../../support/recording-telemetry.ts';
import { ConcurrencyError } from '../../../../shared/event-store/concurrency-error.ts';
import { eventStoreMigrations } from '../../../../shared/event-store/migrations.ts';
import { neonHttpEventStore } from '../../../../shared/event-store/neon.ts';
import { tracedEventStore } from '../../../../shared/event-store/traced.ts';
import { migrate } from '../../../../shared/postgres/migrate.ts';
import { createSql } from '../../../../shared/postgres/neon.ts';

const vars = inject('devstackVars');
const sql = createSql({
  DATABASE_URL: vars.DATABASE_URL!,
  NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
});
const schema = `es_traced_${randomBytes(4).toString('hex')}`;
const scope = `event-store/${schema}`;
await migrate(sql, eventStoreMigrations(schema), { scope });

afterAll(async () => {
  await sql.query(`drop schema if exists "${schema}" cascade`);
  await sql.query('delete from schema_migrations where scope = $1', [scope]);
});

const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = `00-${parentTrace}-00f067aa0ba902b7-01`;

describe('tracedEventStore over Postgres', () => {
  it('records each statement of a request as a child span named by the store operation', async () => {
    const { telemetry, spans, metrics } = recordingTelemetry();
    const request = telemetry.startScope('POST /orders', { traceparent: parent });
    const store = tracedEventStore(neonHttpEventStore(sql, { schema }), request);
    const streamId = `order-${randomUUID()}`;
    const secret = `card-${randomUUID()}`;

    await store.append(streamId, [{ type: 'OrderPlaced', data: { secret } }], {
      streamType: 'order',
      expectedVersion: 'no_stream',
      documents: [{ projection: 'orders', id: streamId, doc: { secret } }],
      idempotency: { scope: 'orders', key: secret, requestHash: secret },
    });
    await expect(
      store.append(streamId, [{ type: 'OrderPlaced', data: {} }], {
        streamType: 'order',
        expectedVersion: 'no_stream',
      }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.readStream(streamId)).toHaveLength(1);
    expect((await store.readDocument('orders', streamId))?.doc).toEqual({ secret });
    request.span.end();
    const deltas = Object.fromEntries(metrics.takeDeltas().increments);
    await telemetry.flush();

    const queries = spans.filter((span) => span.name.startsWith('postgres '));
    expect(queries.map((span) => span.name)).toEqual([
      'postgres append',
      'postgres append',
      'postgres readStream',
      'postgres readDocument',
    ]);
    for (const span of queries) {
      expect(span.spanContext().traceId).toBe(parentTrace);
      expect(span.parentSpanContext?.spanId).toBe(request.spanId);
      expect(span.attributes['db.system.name']).toBe('postgresql');
      expect(JSON.stringify(span.attributes)).not.toContain(secret);
      expect(JSON.stringify(span.events)).not.toContain(secret);
    }
    expect(queries.map((span) => span.attributes['db.operation.name'])).toEqual([
      'WITH',
      'WITH',
      'SELECT',
      'SELECT',
    ]);
    expect(queries[0]!.attributes['db.query.summary']).toBe('append');
    const calls = Object.entries(deltas).filter(([key]) =>
      key.startsWith('edgemesh_dependency_calls_total'),
    );
    const appendCalls = calls.find(
      ([key]) => key.includes('dependency="postgres"') && key.includes('operation="append"'),
    );
    expect(appendCalls?.[1]).toBe(2);
  });

  it('is the store itself when the request is not traced', () => {
    const store = neonHttpEventStore(sql, { schema });
    expect(tracedEventStore(store, undefined)).toBe(store);
  });
});
