import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Migration } from '../shared/postgres/migrate.ts';
import { migrate } from '../shared/postgres/migrate.ts';
import type { Sql } from '../shared/postgres/neon.ts';
import type { FunctionSpec } from './functions/catalog.ts';

/** Applies each function's `migrations.ts`, scoped by function name. */
export async function migrateFunctions(
  sql: Sql,
  functions: readonly FunctionSpec[],
): Promise<Record<string, number[]>> {
  const applied: Record<string, number[]> = {};
  for (const spec of functions) {
    const file = join(spec.workerEntry, '..', 'migrations.ts');
    if (!existsSync(file)) continue;
    const module = (await import(pathToFileURL(file).href)) as { migrations?: Migration[] };
    if (!module.migrations) throw new Error(`${file} does not export \`migrations\``);
    applied[spec.name] = await migrate(sql, module.migrations, { scope: spec.name });
  }
  return applied;
}
