import type { AppendBatchingOptions } from './append-batcher.ts';
import type { EventSchemas, EventStore } from './event-store.ts';
import { postgresAppend } from './postgres-append.ts';
import { postgresOutbox } from './postgres-outbox.ts';
import { postgresProjections } from './postgres-projections.ts';
import { postgresReads } from './postgres-reads.ts';
import { statementSender, type SqlExecutor } from './sql-executor.ts';
import { eventStoreTables } from './tables.ts';

/** Options of {@link postgresEventStore}. */
export interface PostgresEventStoreOptions {
  /** Schema holding the `es_*` tables. Default `public`. */
  schema?: string;
  /** zod schemas of event payloads by type; when given, unknown types are rejected. */
  schemas?: EventSchemas;
  /** Milliseconds clock for event times when the append gives none. Default Date.now. */
  now?: () => number;
  /** Id generator for events and outbox rows. Default crypto.randomUUID. */
  newId?: () => string;
  /** Retries of an `any`/`stream_exists` append that lost a race for a version. Default 25. */
  maxRaceRetries?: number;
  /**
   * Group commit: concurrent appends go to Postgres together, as one statement and one
   * transaction, each still decided on its own (its guard, its claim, its ConcurrencyError). An
   * idle store sends an append at once. For hosts where one store serves many concurrent callers
   * (Node, Deno); not workerd, where a request may not settle another request's I/O. Default off.
   */
  batchAppends?: boolean | AppendBatchingOptions;
}

/**
 * EventStore on Postgres through any executor; every write is one statement, so one round trip
 * over Neon's HTTP path and over a WebSocket `Pool` alike. Use `neonHttpEventStore` or
 * `neonPoolEventStore` from `./neon.ts`.
 */
export function postgresEventStore(
  db: SqlExecutor,
  {
    schema,
    schemas,
    now = Date.now,
    newId = () => crypto.randomUUID(),
    maxRaceRetries = 25,
    batchAppends = false,
  }: PostgresEventStoreOptions = {},
): EventStore {
  const t = eventStoreTables(schema);
  const send = statementSender(db);
  return {
    append: postgresAppend({ db, t, send, schemas, now, newId, maxRaceRetries, batchAppends }),
    ...postgresReads(t, send),
    ...postgresProjections(t, send),
    ...postgresOutbox(t, send),
  };
}
