import { Client } from 'pg';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { errorText } from './pg-error.ts';
import { startPgliteServer } from './pglite.ts';

export interface PostgresBackendOptions {
  /** A server to use as is; when absent, embedded PGlite is started. */
  databaseUrl?: string;
  /** Where PGlite keeps its files, e.g. `.devstack/pglite`; `memory://` keeps nothing. */
  dataDir: string;
  log?: (line: string) => void;
}

/** The Postgres the devstack's functions use, reachable over TCP at `url`. */
export interface PostgresBackend {
  readonly kind: 'postgres' | 'pglite';
  /** What clients put in DATABASE_URL. */
  readonly url: string;
  /** One line for the devstack banner. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Uses `databaseUrl` when given (after checking it answers `select 1`), else embedded PGlite.
 * @example const pg = await startPostgresBackend({ databaseUrl: env.DATABASE_URL, dataDir: '.devstack/pglite' });
 */
export async function startPostgresBackend({
  databaseUrl,
  dataDir,
  log = () => {},
}: PostgresBackendOptions): Promise<PostgresBackend> {
  if (databaseUrl) {
    await checkAnswers(databaseUrl);
    const description = `Postgres at ${redact(databaseUrl)}`;
    log(`postgres: ${description}`);
    return { kind: 'postgres', url: databaseUrl, description, close: async () => {} };
  }
  const server = await startPgliteServer({ dataDir });
  const where = dataDir.startsWith('memory://') ? 'in memory' : `persisted in ${dataDir}`;
  const description = `PGlite ${where}, served at 127.0.0.1:${server.port}`;
  log(`postgres: ${description}`);
  return { kind: 'pglite', url: server.url, description, close: () => server.close() };
}

async function checkAnswers(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  // A refused connection is reported by connect(); this keeps a late socket error from crashing.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new EdgeMeshError(
      'CONFIG',
      `DATABASE_URL (${redact(databaseUrl)}) does not answer select 1: ${errorText(error)}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL without its password, for logs and errors. */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'an unparseable URL';
  }
}
