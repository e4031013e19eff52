// `npm run bench -- startup`: cold start of each function in workerd against a bare Hono + Neon
// driver worker, in the same run. A cold start is a fresh workerd loading the minified bundle
// (script parse and compile) and answering its first `GET /health`, which builds the app from env
// (config, clients, routes) and asks Postgres (and Redis) through the devstack's Neon and Upstash
// endpoints; then a second, warm `GET /health`. An empty worker's cold start is what workerd
// itself costs; the ratio is taken above it. BENCH_ROUNDS (default 7) per worker.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { startDataPlane } from '../devstack/data-plane.ts';
import { listFunctions } from '../devstack/functions/catalog.ts';
import { compatibilityDate } from '../devstack/paths.ts';
import { median } from './stats.ts';
import { bundleWorkerCode } from './worker-bundle.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const plane = await startDataPlane({
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL,
  neonPort: 0,
  redisPort: 0,
  redisToken: `bench-${randomUUID()}`,
});
const bindings = { ...plane.vars, EDGEMESH_ENV: 'development' };

interface ColdStart {
  readyMs: number;
  firstRequestMs: number;
  warmRequestMs: number;
}

async function timedHealth(miniflare: Miniflare): Promise<number> {
  const started = performance.now();
  const response = await miniflare.dispatchFetch('http://localhost/health');
  await response.arrayBuffer();
  if (response.status >= 500) throw new Error(`GET /health answered ${response.status}`);
  return performance.now() - started;
}

async function coldStart(code: string): Promise<ColdStart> {
  const started = performance.now();
  const miniflare = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents: code }],
    compatibilityDate,
    bindings,
    log: new Log(LogLevel.NONE),
    cf: false,
  });
  try {
    await miniflare.ready;
    const readyMs = performance.now() - started;
    const firstRequestMs = await timedHealth(miniflare);
    return { readyMs, firstRequestMs, warmRequestMs: await timedHealth(miniflare) };
  } finally {
    await miniflare.dispose();
  }
}

async function measureWorker(entry: string) {
  const code = await bundleWorkerCode(entry);
  const runs: ColdStart[] = [];
  await coldStart(code); // warms the OS caches of workerd itself
  for (let i = 0; i < rounds; i += 1) runs.push(await coldStart(code));
  return {
    gzipKiB: gzipSync(code).length / 1024,
    readyMs: median(runs.map((run) => run.readyMs)),
    firstRequestMs: median(runs.map((run) => run.firstRequestMs)),
    warmRequestMs: median(runs.map((run) => run.warmRequestMs)),
    totalMs: median(runs.map((run) => run.readyMs + run.firstRequestMs)),
  };
}

const empty = await measureWorker('bench/startup/empty-worker.ts');
const bare = await measureWorker('bench/startup/bare-worker.ts');
const rows: [string, Awaited<ReturnType<typeof measureWorker>>][] = [
  ['empty worker', empty],
  ['bare Hono + Neon', bare],
];
for (const { name } of listFunctions()) {
  rows.push([name, await measureWorker(join('functions', name, 'service.ts'))]);
}
await plane.stop();

const aboveEmpty = (ms: number) => Math.max(ms - empty.totalMs, 0);
console.log(`cold start in workerd, median of ${rounds} (ms); ratio above the empty worker\n`);
console.log(
  '| worker | gzip KiB | ready | first request | warm request | total | above empty | vs bare |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, row] of rows) {
  const ratio = aboveEmpty(row.totalMs) / aboveEmpty(bare.totalMs);
  console.log(
    `| ${name} | ${row.gzipKiB.toFixed(1)} | ${row.readyMs.toFixed(0)} | ${row.firstRequestMs.toFixed(1)} | ${row.warmRequestMs.toFixed(1)} | ${row.totalMs.toFixed(0)} | ${aboveEmpty(row.totalMs).toFixed(0)} | ${name === 'empty worker' ? '' : `${ratio.toFixed(2)}×`} |`,
  );
}
console.log('\ngoal: every function ≤ 1.5× bare above the empty worker');
