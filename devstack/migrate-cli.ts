// `npm run migrate`: applies the toolkit's and every function's migrations to DATABASE_URL.
// Neon is reached over its HTTP path; a Postgres on this machine through a Neon endpoint started
// for the run, unless NEON_FETCH_ENDPOINT points at one already.
import * as z from 'zod';
import { loadConfig } from '../shared/config/load.ts';
import { httpUrl, postgresUrl } from '../shared/config/vars.ts';
import { isEdgeMeshError } from '../shared/errors/edgemesh-error.ts';
import { createSql } from '../shared/postgres/neon.ts';
import { listFunctions } from './functions/catalog.ts';
import { migrateFunctions } from './migrations.ts';
import { isLoopbackHost, startNeonEndpoint, type NeonEndpoint } from './postgres/index.ts';

const migrateVars = z.object({
  DATABASE_URL: postgresUrl,
  NEON_FETCH_ENDPOINT: httpUrl.optional(),
});

let endpoint: NeonEndpoint | undefined;
try {
  const config = loadConfig(process.env, migrateVars);
  let fetchEndpoint = config.NEON_FETCH_ENDPOINT;
  if (!fetchEndpoint && isLoopbackHost(new URL(config.DATABASE_URL).hostname)) {
    endpoint = await startNeonEndpoint({ port: 0 });
    fetchEndpoint = endpoint.fetchEndpoint;
  }
  const sql = createSql({ DATABASE_URL: config.DATABASE_URL, NEON_FETCH_ENDPOINT: fetchEndpoint });
  const applied = await migrateFunctions(sql, listFunctions());
  for (const [scope, versions] of Object.entries(applied)) {
    console.log(`${scope}: ${versions.length ? `applied ${versions.join(', ')}` : 'up to date'}`);
  }
} catch (error) {
  const message = isEdgeMeshError(error) || error instanceof Error ? error.message : String(error);
  console.error(`migrate: ${message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  await endpoint?.close();
}
