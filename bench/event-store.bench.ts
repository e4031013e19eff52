// `npm run bench -- event-store`: append throughput and p99 with 1 and 16 concurrent writers (1 and
// 10 events per append) and reading a 1,000-event stream, for edgemesh's event store over Neon's
// HTTP path and WebSocket path (through the devstack's Neon endpoint, in a process of its own, as
// Neon's proxy is not in the client's process either), over direct TCP (the same
// SQL without the endpoint), and for @event-driven-io/emmett-postgresql, all on one fresh database
// of the same Postgres, in one run, with pgbench's single-row insert on that database before and
// after them as the ceiling; then the goal case (16 writers, 1 event per append) in rounds that
// alternate pgbench and every store, judged on the medians.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import ws from 'ws';
import { eventStoreMigrations } from '../shared/event-store/migrations.ts';
import { neonHttpEventStore, neonPoolEventStore } from '../shared/event-store/neon.ts';
import { migrate } from '../shared/postgres/migrate.ts';
import { coalescingWebSocket } from '../devstack/postgres/coalescing-websocket.ts';
import { createPool, createSql } from '../shared/postgres/neon.ts';
import { undiciFetch } from '../devstack/postgres/undici-fetch.ts';
import { spawnNeonEndpoint } from './neon-endpoint-process.ts';
import { processCpuMs, processList } from './process-cpu.ts';
import { median, percentile } from './stats.ts';

const run = promisify(execFile);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = 'edgemesh_bench';
const appendsPerCase = Number(process.env.BENCH_APPENDS ?? 10_000);
const reads = Number(process.env.BENCH_READS ?? 200);
const pgbenchSeconds = Number(process.env.BENCH_PGBENCH_SECONDS ?? 10);

interface Result {
  appends: number;
  seconds: number;
  p50: number;
  p99: number;
  /** CPU ms per operation of this Node process (the clients), the Neon endpoint and Postgres. */
  clientCpu: number;
  endpointCpu: number;
  postgresCpu: number;
}

/**
 * CPU ms of every Postgres process, from /proc: the running ones, and through the postmaster's
 * reaped-children time the connections that closed meanwhile.
 */
function postgresCpuMs(): number {
  const list = processList();
  const postgres = list.filter(
    (entry) => entry.comm === 'postgres' || entry.cmdline.startsWith('postgres:'),
  );
  const pids = new Set(postgres.map((entry) => entry.pid));
  let total = 0;
  for (const entry of postgres) {
    total += processCpuMs(entry.pid, { reapedChildren: !pids.has(entry.ppid) });
  }
  return total;
}

/** Charges each process its own CPU, so other load on the machine is not counted. */
function cpuMeter() {
  const client = process.cpuUsage();
  const endpointStart = processCpuMs(endpoint.pid);
  const postgresStart = postgresCpuMs();
  return (operations: number) => {
    const used = process.cpuUsage(client);
    return {
      clientCpu: (used.user + used.system) / 1000 / operations,
      endpointCpu: (processCpuMs(endpoint.pid) - endpointStart) / operations,
      postgresCpu: (postgresCpuMs() - postgresStart) / operations,
    };
  };
}

type NewEvents = { type: string; data: unknown }[];
type Append = (stream: string, events: NewEvents) => Promise<void>;
type Read = (stream: string) => Promise<number>;
interface Subject {
  name: string;
  append: Append;
  read: Read;
  close(): Promise<void>;
}

/** `writers` loops, each appending to its own stream until `total` appends are done; latencies in ms. */
async function runWriters(
  append: Append,
  writers: number,
  prefix: string,
  events: NewEvents,
  total: number,
) {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (next < total) {
        next += 1;
        const t0 = performance.now();
        await append(`${prefix}-${w}`, events);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

/**
 * The measured load, after a tenth as much of the same load, and at least 3,000 appends, as warm-up
 * (connections, plans, JIT). The JIT warms slowly here: over HTTP, a fresh client's and endpoint's
 * CPU per append halved over their first ~100,000 appends, and a store whose code sat idle while
 * other stores or pgbench ran measured up to 10 % lower in its first few thousand.
 */
async function appendLoad(
  append: Append,
  writers: number,
  perAppend: number,
  total: number,
  warmUp = Math.max(3_000, Math.ceil(total / 10)),
) {
  const tag = randomUUID().slice(0, 8);
  const events = Array.from({ length: perAppend }, (_, i) => ({
    type: 'ItemAdded',
    data: { sku: `sku-${i}`, quantity: 1, unitPrice: 2599 },
  }));
  await runWriters(append, writers, `warm-${tag}`, events, warmUp);
  const cpu = cpuMeter();
  const started = performance.now();
  const latencies = await runWriters(append, writers, `bench-${tag}`, events, total);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    appends: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ...cpu(latencies.length),
  };
}

async function readLoad(subject: Subject): Promise<Result> {
  const stream = `read-${randomUUID()}`;
  const batch = Array.from({ length: 10 }, (_, i) => ({
    type: 'ItemAdded',
    data: { sku: `sku-${i}`, n: i },
  }));
  for (let i = 0; i < 100; i += 1) await subject.append(stream, batch);
  for (let i = 0; i < 5; i += 1) await subject.read(stream);
  const latencies: number[] = [];
  const cpu = cpuMeter();
  const started = performance.now();
  for (let i = 0; i < reads; i += 1) {
    const t0 = performance.now();
    const count = await subject.read(stream);
    if (count !== 1000) throw new Error(`${subject.name} read ${count} events, expected 1000`);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    appends: reads,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ...cpu(reads),
  };
}

const pad = (text: string, width: number) => text.padEnd(width);
const num = (value: number, width: number, digits = 0) => value.toFixed(digits).padStart(width);
function row(name: string, scenario: string, result: Result, perAppend: number) {
  const perSecond = result.appends / result.seconds;
  console.log(
    `${pad(name, 36)} ${pad(scenario, 22)} ${num(perSecond, 9)} ${num(perSecond * perAppend, 10)} ${num(result.p50, 8, 2)} ${num(result.p99, 8, 2)} ${num(result.clientCpu, 10, 2)} ${num(result.endpointCpu, 10, 2)} ${num(result.postgresCpu, 10, 2)}`,
  );
  return perSecond;
}

async function pgbench(url: string, clients: number, dir: string, seconds = pgbenchSeconds) {
  const script = join(dir, 'insert.sql');
  await writeFile(
    script,
    `insert into bench_ceiling (data) values ('{"sku":"sku-0","quantity":1}');\n`,
  );
  const { stdout } = await run('pgbench', [
    '-n',
    '-M',
    'prepared',
    '-f',
    script,
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 2)),
    '-T',
    String(seconds),
    url,
  ]);
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? NaN);
  return { tps, latency };
}

// One fresh database for every subject, so they share the server, its WAL and its disk.
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`drop database if exists ${database} with (force)`);
await admin.query(`create database ${database}`);
// `BENCH_SYNCHRONOUS_COMMIT=off`: every client of the database, pgbench too, commits without
// waiting for the WAL flush (to see what the flush costs; not how the stores are meant to run).
const synchronousCommit = process.env.BENCH_SYNCHRONOUS_COMMIT;
if (synchronousCommit !== undefined) {
  if (!/^(on|off|local|remote_write|remote_apply)$/.test(synchronousCommit)) {
    throw new Error(
      `BENCH_SYNCHRONOUS_COMMIT must be on, off, local, remote_write or remote_apply`,
    );
  }
  await admin.query(`alter database ${database} set synchronous_commit = ${synchronousCommit}`);
}
await admin.end();
const url = new URL(serverUrl);
url.pathname = `/${database}`;
const databaseUrl = url.toString();
const settings = new pg.Client({ connectionString: databaseUrl });
await settings.connect();
const { rows: info } = await settings.query<{ version: string; sync: string; fsync: string }>(
  `select current_setting('server_version') as version, current_setting('synchronous_commit') as sync,
     current_setting('fsync') as fsync`,
);
await settings.query('create table bench_ceiling (id bigserial primary key, data jsonb not null)');
await settings.end();

const pgbenchDir = await mkdtemp(join(tmpdir(), 'edgemesh-pgbench-'));
const ceilingBefore: Record<number, { tps: number; latency: number }> = {};
for (const clients of [1, 16])
  ceilingBefore[clients] = await pgbench(databaseUrl, clients, pgbenchDir);

const endpoint = await spawnNeonEndpoint();
const config = {
  DATABASE_URL: databaseUrl,
  NEON_FETCH_ENDPOINT: endpoint.fetchEndpoint,
  NEON_WS_PROXY: endpoint.wsProxy,
};
// Node has no global WebSocket: `ws`, sending what the driver writes in one tick as one frame;
// and the HTTP path on undici's request, without the WHATWG fetch algorithm around each query.
const nodeWebSocket = coalescingWebSocket(ws);
const sql = createSql(config, { webSocketConstructor: nodeWebSocket, fetch: undiciFetch() });
await migrate(sql, eventStoreMigrations(), { scope: 'event-store' });
const neonPool = createPool(config, { webSocketConstructor: nodeWebSocket, max: 16 });
const tcpPool = new pg.Pool({ connectionString: databaseUrl, max: 16 });

// The pools are shared by two subjects each and closed after the last.
const edgemesh = (name: string, store: ReturnType<typeof neonHttpEventStore>): Subject => ({
  name,
  append: async (stream, events) => {
    await store.append(stream, events, { streamType: 'bench' });
  },
  read: async (stream) => (await store.readStream(stream, { limit: 1000 })).length,
  close: async () => {},
});
const emmettStore = getPostgreSQLEventStore(databaseUrl);
const subjects: Subject[] = [
  edgemesh('edgemesh, Neon HTTP', neonHttpEventStore(sql)),
  edgemesh('edgemesh, Neon WebSocket Pool', neonPoolEventStore(neonPool)),
  edgemesh('edgemesh, direct TCP (pg)', neonPoolEventStore(tcpPool)),
  edgemesh('edgemesh, Neon HTTP, group commit', neonHttpEventStore(sql, { batchAppends: true })),
  edgemesh(
    'edgemesh, Neon WS Pool, group commit',
    neonPoolEventStore(neonPool, { batchAppends: true }),
  ),
  edgemesh('edgemesh, TCP (pg), group commit', neonPoolEventStore(tcpPool, { batchAppends: true })),
  // Two statements in flight, each with half the writers.
  edgemesh(
    'edgemesh, Neon HTTP, group commit x2',
    neonHttpEventStore(sql, { batchAppends: { maxInFlight: 2 } }),
  ),
  edgemesh(
    'edgemesh, TCP (pg), group commit x2',
    neonPoolEventStore(tcpPool, { batchAppends: { maxInFlight: 2 } }),
  ),
  {
    name: 'emmett-postgresql 0.42 (TCP)',
    append: async (stream, events) => {
      await emmettStore.appendToStream(
        stream,
        events as Parameters<typeof emmettStore.appendToStream>[1],
      );
    },
    read: async (stream) => (await emmettStore.readStream(stream)).events.length,
    close: () => emmettStore.close(),
  },
];

console.log(
  `Postgres ${String(info[0]?.version)} (synchronous_commit=${String(info[0]?.sync)}, fsync=${String(info[0]?.fsync)}), database ${database}; ` +
    `${appendsPerCase} appends per case, each writer on its own stream; load generator in this process, the local Neon endpoint in its own;\n` +
    'cpu columns: CPU ms per operation of this process (the clients), the Neon endpoint process and all Postgres processes, read from /proc\n',
);
console.log(
  `${pad('store', 36)} ${pad('scenario', 22)} ${'appends/s'.padStart(9)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'client cpu'.padStart(10)} ${'endpt cpu'.padStart(10)} ${'pg cpu'.padStart(10)}`,
);
const at16: Record<string, number> = {};
const cpuAt16: Record<string, number> = {};
// `BENCH_ONLY=<text>`: only the subjects whose name contains it (and Emmett, the yardstick).
const only = process.env.BENCH_ONLY;
const chosen = subjects.filter(
  (subject) => !only || subject.name.includes(only) || subject.name.startsWith('emmett'),
);
for (const subject of chosen) {
  for (const writers of [1, 16]) {
    for (const perAppend of [1, 10]) {
      const total = writers === 1 ? Math.ceil(appendsPerCase / 4) : appendsPerCase;
      const result = await appendLoad(subject.append, writers, perAppend, total);
      const rate = row(subject.name, `append ${perAppend}/append, ${writers}w`, result, perAppend);
      if (writers === 16 && perAppend === 1) {
        at16[subject.name] = rate;
        cpuAt16[subject.name] = result.clientCpu + result.endpointCpu + result.postgresCpu;
      }
    }
  }
  row(subject.name, 'read 1,000-event stream', await readLoad(subject), 1000);
}
// The goal case again, in rounds that alternate pgbench's 16 clients with every store: the
// machine's speed moves within a run, and the table above compares figures minutes apart.
const goalRounds = Number(process.env.BENCH_GOAL_ROUNDS ?? 3);
// Each goal case warms up with 20,000 appends of its own load (BENCH_GOAL_WARM_UP).
const goalWarmUp = Number(process.env.BENCH_GOAL_WARM_UP ?? 20_000);
const rounds: { ceiling: number; rates: Record<string, number> }[] = [];
for (let round = 0; round < goalRounds; round += 1) {
  const { tps } = await pgbench(databaseUrl, 16, pgbenchDir, Math.min(pgbenchSeconds, 5));
  const rates: Record<string, number> = {};
  // Each round starts with another store, so none always runs right after pgbench.
  const order = [...chosen.slice(round % chosen.length), ...chosen.slice(0, round % chosen.length)];
  for (const subject of order) {
    const result = await appendLoad(subject.append, 16, 1, appendsPerCase, goalWarmUp);
    rates[subject.name] = result.appends / result.seconds;
  }
  rounds.push({ ceiling: tps, rates });
}
for (const subject of subjects) await subject.close();
await Promise.all([neonPool.end(), tcpPool.end()]);
await endpoint.stop();

console.log(
  '\npgbench single-row insert (prepared, direct TCP), same database, before and after the stores:',
);
for (const clients of [1, 16]) {
  const after = await pgbench(databaseUrl, clients, pgbenchDir);
  const before = ceilingBefore[clients]!;
  console.log(
    `  ${String(clients).padStart(2)} clients: ${before.tps.toFixed(0)} / ${after.tps.toFixed(0)} inserts/s, average latency ${before.latency.toFixed(2)} / ${after.latency.toFixed(2)} ms`,
  );
}
await rm(pgbenchDir, { recursive: true, force: true });

const emmettName = 'emmett-postgresql 0.42 (TCP)';
const spread = (values: number[], digits: number, unit: string) =>
  `${median(values).toFixed(digits)}${unit} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
console.log(
  `\ngoals at 16 writers, 1 event per append: medians (and range) of ${goalRounds} rounds, each with pgbench's 16 clients and every store:`,
);
for (const name of Object.keys(at16)) {
  if (name === emmettName || rounds.length === 0) continue;
  const overEmmett = rounds.map((round) => round.rates[name]! / round.rates[emmettName]!);
  const ofPgbench = rounds.map((round) => (100 * round.rates[name]!) / round.ceiling);
  const met = median(overEmmett) >= 2 && median(ofPgbench) >= 50;
  console.log(
    `  ${pad(name, 36)} ${spread(overEmmett, 2, 'x')} Emmett (goal 2x), ${spread(ofPgbench, 0, '%')} of pgbench (goal 50%): ${met ? 'met' : 'MISSED'}; ${(cpuAt16[name] ?? NaN).toFixed(2)} ms CPU per append in all`,
  );
}
const cleanup = new pg.Client({ connectionString: serverUrl });
await cleanup.connect();
await cleanup.query(`drop database if exists ${database} with (force)`);
await cleanup.end();
