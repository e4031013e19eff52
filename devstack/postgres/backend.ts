import { Client } from 'pg';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { findLocalCluster, restartLocalCluster } from './local-cluster.ts';
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
  /**
   * Restarts the server under the same URL and resolves once it answers again, with one line
   * saying what was restarted. Real Postgres: `pg_ctlcluster restart` when the URL is a local
   * cluster (else CONFLICT); PGlite: closed and reopened on its data directory. Data is kept.
   */
  restart(): Promise<string>;
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
    return {
      kind: 'postgres',
      url: databaseUrl,
      description,
      restart: () => restartServer(databaseUrl),
      close: async () => {},
    };
  }
  const server = await startPgliteServer({ dataDir });
  const where = dataDir.startsWith('memory://') ? 'in memory' : `persisted in ${dataDir}`;
  const description = `PGlite ${where}, served at 127.0.0.1:${server.port}`;
  log(`postgres: ${description}`);
  return {
    kind: 'pglite',
    url: server.url,
    description,
    async restart() {
      await server.restart();
      return `PGlite closed and reopened on ${dataDir}, port ${server.port}`;
    },
    close: () => server.close(),
  };
}

async function restartServer(databaseUrl: string): Promise<string> {
  const cluster = await findLocalCluster(databaseUrl);
  if (!cluster) {
    throw new EdgeMeshError(
      'CONFLICT',
      `Postgres at ${redact(databaseUrl)} is not a local cluster pg_lsclusters knows; restart it yourself`,
    );
  }
  await restartLocalCluster(cluster);
  return `Postgres cluster ${cluster.version}/${cluster.name} restarted with pg_ctlcluster (fast mode)`;
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
