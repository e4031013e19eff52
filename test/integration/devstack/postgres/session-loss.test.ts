import { randomUUID } from 'node:crypto';
import { neon, neonConfig, Pool as NeonPool } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import ws from 'ws';
import { startNeonEndpoint, type NeonEndpoint } from '../../../../devstack/postgres/index.ts';
import { createPoolRegistry } from '../../../../devstack/postgres/pool-registry.ts';
import { parseConnectionString } from '../../../../devstack/postgres/connection-target.ts';

// A session the server ends under a request (pg_terminate_backend sends the same FATAL 57P01 as
// a restart) without restarting the Postgres other suites share. PGlite has no such function.
const databaseUrl = inject('devstackVars').DATABASE_URL!;
const isRealPostgres = inject('postgresKind') === 'postgres';

/** Ends every session whose application_name is `name`, as a restart would. */
async function terminate(name: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [name],
      );
      if (rowCount) return rowCount;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return 0;
  } finally {
    await admin.end();
  }
}

function withApplicationName(name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}

describe.skipIf(!isRealPostgres)(
  isRealPostgres
    ? 'a Postgres session ended under the Neon endpoint'
    : 'a Postgres session ended under the Neon endpoint (skipped: PGlite has no pg_terminate_backend)',
  () => {
    let endpoint: NeonEndpoint;

    beforeAll(async () => {
      endpoint = await startNeonEndpoint();
      neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
      neonConfig.wsProxy = endpoint.wsProxy;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineConnect = false;
      neonConfig.webSocketConstructor = ws;
    });

    afterAll(async () => {
      await endpoint?.close();
    });

    it('survives a pooled connection ended while checked out between queries, and serves the next query', async () => {
      const name = `session-loss-${randomUUID()}`;
      const registry = createPoolRegistry({ max: 1 });
      const url = withApplicationName(name);
      const pool = registry.pool(url, parseConnectionString(url));
      const client = await pool.connect();
      const ended = new Promise((resolve) => client.once('end', resolve));
      expect(await terminate(name)).toBe(1);
      await ended;
      client.release(true);
      const { rows } = await pool.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
      await registry.end();
    });

    it('answers a request whose session is ended with Neon’s error shape (57P01), then serves again', async () => {
      const name = `session-loss-${randomUUID()}`;
      const sql = neon(withApplicationName(name));
      const inFlight = sql`select pg_sleep(30)`.then(
        () => undefined,
        (error: unknown) => error as { code?: string },
      );
      expect(await terminate(name)).toBe(1);
      expect((await inFlight)?.code).toBe('57P01');
      expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
    });

    it('closes the WebSocket of a session ended under it, and a new connection works', async () => {
      const name = `session-loss-${randomUUID()}`;
      const pool = new NeonPool({ connectionString: withApplicationName(name), max: 1 });
      pool.on('error', () => {});
      const client = await pool.connect();
      client.on('error', () => {});
      const ended = new Promise((resolve) => client.once('end', resolve));
      const inFlight = client.query('select pg_sleep(30)').then(
        () => undefined,
        (error: unknown) => error as { code?: string },
      );
      expect(await terminate(name)).toBe(1);
      expect((await inFlight)?.code).toBe('57P01');
      await ended;
      client.release(true);
      const { rows } = await pool.query<{ three: number }>('select 3 as three');
      expect(rows).toEqual([{ three: 3 }]);
      await pool.end();
    });
  },
);
