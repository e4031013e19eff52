import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Migration } from '../shared/postgres/migrate.ts';
import { migrate } from '../shared/postgres/migrate.ts';
import type { Sql } from '../shared/postgres/neon.ts';
import type { FunctionSpec } from './functions/catalog.ts';
import {
  eventStoreScope,
  migrations as eventStoreMigrations,
} from '../shared/event-store/migrations.ts';

/** Toolkit tables every function may use, applied before the functions' own migrations. */
const toolkitMigrations: Record<string, readonly Migration[]> = {
  [eventStoreScope]: eventStoreMigrations,
};

/** Applies the toolkit's migrations, then each function's `migrations.ts`, scoped by name. */
export async function migrateFunctions(
  sql: Sql,
  functions: readonly FunctionSpec[],
): Promise<Record<string, number[]>> {
  const applied: Record<string, number[]> = {};
  for (const [scope, migrations] of Object.entries(toolkitMigrations)) {
    applied[scope] = await migrate(sql, migrations, { scope });
  }
  for (const spec of functions) {
    const file = join(spec.workerEntry, '..', 'migrations.ts');
    if (!existsSync(file)) continue;
    const module = (await import(pathToFileURL(file).href)) as { migrations?: Migration[] };
    if (!module.migrations) throw new Error(`${file} does not export \`migrations\``);
    applied[spec.name] = await migrate(sql, module.migrations, { scope: spec.name });
  }
  return applied;
}
