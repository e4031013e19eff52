import type { EventMetadata, OutboxRecord, RecordedEvent, StoredDocument } from './event-store.ts';
import type { Row } from './sql-executor.ts';

/**
 * The select list of an event row that {@link toEvent} reads. Aliases differ from the column
 * names: ORDER BY would otherwise sort by the text aliases.
 */
export const eventColumns = `global_position::text as position_text, transaction_id::text as transaction_text,
  stream_id, stream_type, stream_version::text as version_text, event_id::text as event_id, type,
  schema_version, data, metadata, occurred_at`;

/** A timestamp column (a Date or its text) as an ISO 8601 string in UTC. */
export function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** An event row selected with {@link eventColumns}. */
export function toEvent(row: Row): RecordedEvent {
  return {
    id: String(row.event_id),
    type: String(row.type),
    data: row.data,
    schemaVersion: Number(row.schema_version),
    streamId: String(row.stream_id),
    streamType: String(row.stream_type),
    streamVersion: Number(row.version_text),
    position: {
      transactionId: Number(row.transaction_text),
      globalPosition: Number(row.position_text),
    },
    occurredAt: iso(row.occurred_at),
    metadata: (row.metadata ?? {}) as Record<string, string> satisfies EventMetadata,
  };
}

/** An outbox row (`id`, `destination`, `body`, `headers`, `attempts`, `created_at`). */
export function toOutbox(row: Row): OutboxRecord {
  return {
    id: String(row.id),
    destination: String(row.destination),
    body: row.body,
    headers: (row.headers ?? {}) as Record<string, string>,
    attempts: Number(row.attempts),
    createdAt: iso(row.created_at),
  };
}

/** A document row (`id`, `version` as text, `doc`). */
export function toDocument<Doc>(row: Row): StoredDocument<Doc> {
  return {
    id: String(row.id),
    version: Number(row.version),
    doc: row.doc,
  } as StoredDocument<Doc>;
}
