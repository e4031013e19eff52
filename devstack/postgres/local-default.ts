import pg from 'pg';

/** The server `npm start` tries when DATABASE_URL is unset. */
export const localPostgresServer = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The devstack's own database on that server, so it shares no tables with anything else. */
export const devDatabaseName = 'edgemesh_dev';

/**
 * The URL of database `database` on the Postgres answering at `server` (created when missing),
 * or undefined when nothing answers within a second or it refuses us: the caller falls back to
 * PGlite.
 */
export async function localDevDatabase(
  server = localPostgresServer,
  database = devDatabaseName,
): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      // Another devstack may create it at the same moment: duplicate_database is success too.
      await client
        .query(`create database "${database.replaceAll('"', '""')}"`)
        .catch((error: unknown) => {
          if ((error as { code?: string }).code !== '42P04') throw error;
        });
    }
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}
