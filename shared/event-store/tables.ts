import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Schema-qualified names of the event store's tables. */
export interface EventStoreTables {
  readonly schema: string;
  readonly events: string;
  readonly outbox: string;
  readonly documents: string;
  readonly snapshots: string;
  readonly checkpoints: string;
  readonly idempotency: string;
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** The table names inside `schema` (default `public`); the schema must be a plain identifier. */
export function eventStoreTables(schema = 'public'): EventStoreTables {
  if (!identifier.test(schema)) {
    throw new EdgeMeshError('CONFIG', `event store schema "${schema}" must match ${identifier}`);
  }
  const name = (table: string) => `"${schema}".${table}`;
  return {
    schema,
    events: name('es_events'),
    outbox: name('es_outbox'),
    documents: name('es_documents'),
    snapshots: name('es_snapshots'),
    checkpoints: name('es_checkpoints'),
    idempotency: name('es_idempotency'),
  };
}

/**
 * The statement's time as ISO 8601 text (UTC, milliseconds), as `toISOString()` writes it: a
 * timestamptz column would be parsed into a Date by the Neon driver on every row.
 */
export const isoNow = `to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
