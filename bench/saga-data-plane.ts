// The devstack's data plane (Neon and Upstash endpoints, QStash) in a process of its own, as
// `npm start` runs it, for the saga benches: their load generator must not share an event loop
// with it. Prints `{"vars": …}` on one line once the functions' tables exist; stops on SIGTERM.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dataPlaneSql, startDataPlane } from '../devstack/data-plane.ts';
import { listFunctions } from '../devstack/functions/catalog.ts';
import { migrateFunctions } from '../devstack/migrations.ts';
import { spawnReporting } from './child-process.ts';

export interface SagaDataPlane {
  /** DATABASE_URL, NEON_*, UPSTASH_*, QSTASH_* for the functions. */
  readonly vars: Record<string, string>;
  readonly pid: number;
  stop(): void;
}

/**
 * Starts the data plane over `databaseUrl` (QStash in a throwaway schema) and migrates the named
 * functions' tables there. `cpuProfileDir`: write a V8 CPU profile of it when it stops.
 */
export async function spawnSagaDataPlane(options: {
  databaseUrl: string;
  functions: readonly string[];
  cpuProfileDir?: string | undefined;
}): Promise<SagaDataPlane> {
  const { report, child } = await spawnReporting<{ vars: Record<string, string> }>(
    fileURLToPath(import.meta.url),
    {
      args: [options.databaseUrl, options.functions.join(',')],
      nodeFlags: options.cpuProfileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
        : [],
    },
  );
  return { vars: report.vars, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [databaseUrl, names = ''] = process.argv.slice(2);
  const plane = await startDataPlane({
    databaseUrl,
    redisUrl: process.env.REDIS_URL,
    neonPort: 0,
    redisPort: 0,
    redisToken: `bench-${randomUUID()}`,
    qstashSchema: `qstash_bench_${process.pid}`,
    qstashDropSchemaOnStop: true,
  });
  const wanted = names.split(',').filter(Boolean);
  await migrateFunctions(
    dataPlaneSql(plane),
    listFunctions().filter((spec) => wanted.length === 0 || wanted.includes(spec.name)),
  );
  console.log(JSON.stringify({ vars: plane.vars }));
  process.once('SIGTERM', () => void plane.stop().then(() => process.exit(0)));
}
