import { Pool } from 'pg';
import type { PgTarget } from './connection-target.ts';

/** node-postgres pools keyed by connection string, so each target reuses a few connections. */
export interface PoolRegistry {
  pool(key: string, target: PgTarget): Pool;
  /** Ends every pool; later `pool()` calls fail. */
  end(): Promise<void>;
}

export interface PoolRegistryOptions {
  /** Connections per target; default 5. */
  max?: number;
  /** How long to wait for a connection, in ms; default 5000. */
  connectionTimeoutMs?: number;
  /** How long an idle connection stays open, in ms; default 30000. */
  idleTimeoutMs?: number;
}

/** Creates the pool registry used by the `/sql` handler. */
export function createPoolRegistry({
  max = 20,
  connectionTimeoutMs = 5_000,
  idleTimeoutMs = 30_000,
}: PoolRegistryOptions = {}): PoolRegistry {
  const pools = new Map<string, Pool>();
  let ended = false;

  return {
    pool(key, target) {
      if (ended) throw new Error('the Neon endpoint is closed');
      let pool = pools.get(key);
      if (!pool) {
        pool = new Pool({
          host: target.host,
          port: target.port,
          user: target.user,
          password: target.password,
          database: target.database,
          application_name: target.applicationName,
          max,
          connectionTimeoutMillis: connectionTimeoutMs,
          idleTimeoutMillis: idleTimeoutMs,
          allowExitOnIdle: true,
        });
        // A connection dropped by the server (restart, PGlite stopped) must not crash the
        // devstack. pg-pool listens only on idle clients; a checked-out client whose server goes
        // away emits 'error' with no listener (even after its running query got the 57P01), so
        // every client gets its own listener. The request using it fails, the pool discards it,
        // and the next request opens a new one.
        pool.on('error', () => {});
        pool.on('connect', (client) => client.on('error', () => {}));
        pools.set(key, pool);
      }
      return pool;
    },
    async end() {
      ended = true;
      const all = [...pools.values()];
      pools.clear();
      await Promise.allSettled(all.map((pool) => pool.end()));
    },
  };
}
