import type { Pool } from '@neondatabase/serverless';
import type { Sql } from '../postgres/neon.ts';
import type { EventStore } from './event-store.ts';
import { postgresEventStore, type PostgresEventStoreOptions } from './postgres.ts';
import type { SqlExecutor } from './sql-executor.ts';
import { isStaleStatementError, statementNamer } from './statement-names.ts';

/** Runs statements over Neon's HTTP path: one `fetch` per statement, aborted by the signal. */
export function neonHttpExecutor(sql: Sql): SqlExecutor {
  return {
    async query(text, params, signal) {
      signal?.throwIfAborted();
      const rows = await sql.query(text, [...params], signal ? { fetchOptions: { signal } } : {});
      return rows as Record<string, unknown>[];
    },
  };
}

/** Anything with node-postgres' `query(config)`: a Neon `Pool`, a `Client`, a pg Pool. */
export interface PoolLike {
  query(config: {
    text: string;
    values: unknown[];
    name?: string;
  }): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface PoolExecutorOptions {
  /**
   * Sends statements as named prepared statements, parsed and planned once per connection: the
   * append statement costs Postgres about a third as much. Turn off behind a pooler that cannot
   * keep prepared statements (PgBouncer before 1.21 in transaction mode); the executor also
   * stops preparing by itself when the server loses one. Default true.
   */
  prepared?: boolean;
}

/**
 * Runs statements over a WebSocket `Pool` (or one checked-out client). The wire protocol has no
 * abort: the signal is checked before the statement is sent.
 */
export function neonPoolExecutor(
  pool: PoolLike | Pool,
  { prepared = true }: PoolExecutorOptions = {},
): SqlExecutor {
  const target: PoolLike = pool;
  let nameOf = prepared ? statementNamer() : undefined;
  return {
    async query(text, params, signal) {
      signal?.throwIfAborted();
      const values = [...params];
      if (nameOf) {
        try {
          return (await target.query({ name: nameOf(text), text, values })).rows;
        } catch (error) {
          if (!isStaleStatementError(error)) throw error;
          // The statement never ran; without prepared statements it can.
          nameOf = undefined;
        }
      }
      return (await target.query({ text, values })).rows;
    },
  };
}

/**
 * EventStore over `neon()` HTTP: every append is one statement, so one round trip.
 * @example const store = neonHttpEventStore(createSql(config), { schemas: orderEventSchemas });
 */
export function neonHttpEventStore(sql: Sql, options: PostgresEventStoreOptions = {}): EventStore {
  return postgresEventStore(neonHttpExecutor(sql), options);
}

/**
 * EventStore over a WebSocket `Pool` (or a checked-out client): one round trip per append.
 * @example const store = neonPoolEventStore(createPool(config, { webSocketConstructor: coalescingWebSocket(ws) }));
 */
export function neonPoolEventStore(
  pool: PoolLike | Pool,
  options: PostgresEventStoreOptions & PoolExecutorOptions = {},
): EventStore {
  const { prepared, ...storeOptions } = options;
  return postgresEventStore(
    neonPoolExecutor(pool, prepared === undefined ? {} : { prepared }),
    storeOptions,
  );
}
