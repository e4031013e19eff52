import type { Sql } from './neon.ts';

/** One versioned schema change; statements must be safe to run on an empty or current schema. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export interface MigrateOptions {
  /** Which service's migrations these are; versions are per scope. */
  scope: string;
}

/** Advisory lock key shared by every migration runner, so concurrent runs apply in turn. */
const migrationLock = 7_243_019;

const bootstrap = `create table if not exists schema_migrations (
  scope text not null,
  version integer not null,
  name text not null,
  applied_at timestamptz not null default now(),
  primary key (scope, version)
)`;

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in one transaction
 * over Neon's HTTP path. Returns the versions it applied; running it twice applies nothing.
 */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[],
  { scope }: MigrateOptions,
): Promise<number[]> {
  await sql.transaction([
    sql`select pg_advisory_xact_lock(${migrationLock})`,
    sql.query(bootstrap),
  ]);
  const rows = await sql.query('select version from schema_migrations where scope = $1', [scope]);
  const applied = new Set(rows.map((row) => Number(row.version)));
  const pending = [...migrations]
    .filter((migration) => !applied.has(migration.version))
    .sort((a, b) => a.version - b.version);
  const done: number[] = [];
  for (const migration of pending) {
    try {
      await sql.transaction([
        sql`select pg_advisory_xact_lock(${migrationLock})`,
        sql`insert into schema_migrations (scope, version, name) values (${scope}, ${migration.version}, ${migration.name})`,
        ...migration.statements.map((statement) => sql.query(statement)),
      ]);
      done.push(migration.version);
    } catch (error) {
      // Another runner recorded this version while we waited for the lock.
      if ((error as { code?: string }).code === '23505') continue;
      throw error;
    }
  }
  return done;
}
