// The Postgres backends the devstack's Neon endpoint is tested against: the real server (skipped,
// with the reason in its name, when it does not answer) and an in-memory PGlite.
import { startPostgresBackend, type PostgresBackend } from '../../devstack/postgres/index.ts';

const realPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why the real Postgres cannot serve the tests, or undefined when it answers. */
async function realPostgresUnavailable(): Promise<string | undefined> {
  try {
    const backend = await startPostgresBackend({
      databaseUrl: realPostgresUrl,
      dataDir: 'memory://',
    });
    await backend.close();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface TestBackend {
  name: string;
  skip: boolean;
  start: () => Promise<PostgresBackend>;
}

/** Real Postgres, then PGlite; `pgliteName` names the second. */
export async function postgresBackends(pgliteName = 'PGlite'): Promise<TestBackend[]> {
  const skipReason = await realPostgresUnavailable();
  return [
    {
      name: skipReason ? `real Postgres (skipped: ${skipReason})` : 'real Postgres',
      skip: skipReason !== undefined,
      start: () => startPostgresBackend({ databaseUrl: realPostgresUrl, dataDir: 'memory://' }),
    },
    { name: pgliteName, skip: false, start: () => startPostgresBackend({ dataDir: 'memory://' }) },
  ];
}
