import type { Migration } from '../shared/postgres/migrate.ts';
import { migrate } from '../shared/postgres/migrate.ts';
import type { Sql } from '../shared/postgres/neon.ts';
import { loadServices, type FunctionSpec } from './functions/catalog.ts';
import {
  eventStoreScope,
  migrations as eventStoreMigrations,
} from '../shared/event-store/migrations.ts';

/** Toolkit tables every function may use, applied before the functions' own migrations. */
const toolkitMigrations: Record<string, readonly Migration[]> = {
  [eventStoreScope]: eventStoreMigrations,
};

/** Applies the toolkit's migrations, then each function's declared `migrations`, scoped by name. */
export async function migrateFunctions(
  sql: Sql,
  functions: readonly FunctionSpec[],
): Promise<Record<string, number[]>> {
  const applied: Record<string, number[]> = {};
  for (const [scope, migrations] of Object.entries(toolkitMigrations)) {
    applied[scope] = await migrate(sql, migrations, { scope });
  }
  for (const service of await loadServices(functions)) {
    const migrations = service.definition.migrations;
    if (!migrations?.length) continue;
    applied[service.name] = await migrate(sql, migrations, { scope: service.name });
  }
  return applied;
}
