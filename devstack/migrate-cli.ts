import { z } from 'zod';
import { loadConfig } from '../shared/config/load.ts';
import { httpUrl, postgresUrl } from '../shared/config/vars.ts';
import { isEdgeMeshError } from '../shared/errors/edgemesh-error.ts';
import { createSql } from '../shared/postgres/neon.ts';
import { listFunctions } from './functions/catalog.ts';
import { migrateFunctions } from './migrations.ts';

const migrateVars = z.object({
  DATABASE_URL: postgresUrl,
  NEON_FETCH_ENDPOINT: httpUrl.optional(),
});

try {
  const config = loadConfig(process.env, migrateVars);
  const applied = await migrateFunctions(createSql(config), listFunctions());
  for (const [scope, versions] of Object.entries(applied)) {
    console.log(`${scope}: ${versions.length ? `applied ${versions.join(', ')}` : 'up to date'}`);
  }
} catch (error) {
  console.error(
    `migrate: ${isEdgeMeshError(error) || error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
  );
  process.exit(1);
}
