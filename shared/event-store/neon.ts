import type { Pool } from '@neondatabase/serverless';
import type { Sql } from '../postgres/neon.ts';
import type { EventStore } from './event-store.ts';
import {
  postgresEventStore,
  type PostgresEventStoreOptions,
  type SqlExecutor,
} from './postgres.ts';

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

/** Anything with node-postgres' `query(text, values)`: a Neon `Pool`, a `Client`, a pg Pool. */
export interface PoolLike {
  query(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Runs statements over a WebSocket `Pool` (or one checked-out client). The wire protocol has no
 * abort: the signal is checked before the statement is sent.
 */
export function neonPoolExecutor(pool: PoolLike | Pool): SqlExecutor {
  const target: PoolLike = pool;
  return {
    async query(text, params, signal) {
      signal?.throwIfAborted();
      const result = await target.query(text, [...params]);
      return result.rows;
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
 * @example const store = neonPoolEventStore(createPool(config, { webSocketConstructor: ws }));
 */
export function neonPoolEventStore(
  pool: PoolLike | Pool,
  options: PostgresEventStoreOptions = {},
): EventStore {
  return postgresEventStore(neonPoolExecutor(pool), options);
}
