import {
  neon,
  neonConfig,
  Pool,
  type NeonConfig,
  type NeonQueryFunction,
} from '@neondatabase/serverless';
import type { StorageConfig } from '../config/vars.ts';

/** The Postgres part of the storage config. */
export type PostgresConfig = Pick<
  StorageConfig,
  'DATABASE_URL' | 'NEON_FETCH_ENDPOINT' | 'NEON_WS_PROXY'
>;

export interface PostgresOptions {
  /**
   * WebSocket constructor for hosts without a global one. Node 20: `coalescingWebSocket(ws)`
   * (`ws` alone works, but the driver then waits 1 ms per round trip to coalesce writes).
   */
  webSocketConstructor?: NeonConfig['webSocketConstructor'];
  /** fetch used by the HTTP path; default: the global fetch. */
  fetch?: typeof fetch;
}

/** HTTP query function over Neon's `/sql` endpoint: one round trip per query or batch. */
export type Sql = NeonQueryFunction<false, false>;

function applyEndpoints(config: PostgresConfig, options: PostgresOptions): void {
  // neonConfig's endpoint settings are global to the driver: they are the same for every
  // request of an isolate, because they come from the same env.
  if (config.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = config.NEON_FETCH_ENDPOINT;
  if (options.fetch) neonConfig.fetchFunction = options.fetch;
  if (config.NEON_WS_PROXY) {
    neonConfig.wsProxy = config.NEON_WS_PROXY;
    neonConfig.useSecureWebSocket = false;
    // A local proxy passes auth through to a server that may use trust or scram auth, so the
    // driver must wait for the server's auth request instead of pipelining a cleartext password.
    neonConfig.pipelineConnect = false;
  }
  if (options.webSocketConstructor) {
    neonConfig.webSocketConstructor = options.webSocketConstructor;
    // A class from coalescingWebSocket() coalesces on a microtask; the driver's way costs 1 ms.
    neonConfig.coalesceWrites = !(options.webSocketConstructor as { coalescesWrites?: boolean })
      .coalescesWrites;
  }
}

/**
 * `neon()` over HTTP, pointed at Neon or at `NEON_FETCH_ENDPOINT` when set.
 * @example const sql = createSql(config); const rows = await sql`select 1 as one`;
 */
export function createSql(config: PostgresConfig, options: PostgresOptions = {}): Sql {
  applyEndpoints(config, options);
  return neon(config.DATABASE_URL);
}

/**
 * A `Pool` over WebSocket for interactive transactions, pointed at `NEON_WS_PROXY` when set.
 * On Workers, create it inside the request and `end()` it in waitUntil.
 */
export function createPool(
  config: PostgresConfig,
  options: PostgresOptions & { max?: number } = {},
): Pool {
  applyEndpoints(config, options);
  return new Pool({ connectionString: config.DATABASE_URL, max: options.max ?? 5 });
}
