// `npm run bench -- saga-peers`: the same order workflow (try inventory → try payment → confirm
// both; cancel the reservation when the payment is refused; a fixed share of declined payments)
// run by edgemesh's orders saga (workerd, Deno) and by its peers (Upstash Workflow on the
// devstack QStash, DBOS Transact, Restate), each against the SAME inventory and payments
// functions (one devstack data plane, one Postgres, one load generator), each engine with a
// database of its own. Per engine and concurrency: throughput, p50/p99 per saga, CPU per saga of
// every process taking part (from /proc), Postgres transactions per saga (pg_stat_database of the
// participants' and the engine's databases) and HTTP requests per saga; afterwards every order
// must have ended terminal and the stock must add up. Engines whose module is missing or does
// not start are listed as not run, with the reason. See bench/README.md, "Saga against peers".
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { listFunctions } from '../devstack/functions/catalog.ts';
import type { RunningFunction } from '../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../devstack/functions/start.ts';
import { freePort } from '../devstack/listen.ts';
import { listeningPid } from './listening-pid.ts';
import { processCpuMs, processList } from './process-cpu.ts';
import { edgemeshEngine } from './saga-peers/edgemesh.ts';
import type { EngineContext, PeerOrder, SagaEngine, StartEngine } from './saga-peers/engine.ts';
import { participantsOf } from './saga-peers/participant-calls.ts';
import { startUpstashWorkflow } from './saga-peers/upstash-workflow.ts';
import { spawnSagaDataPlane, type SagaDataPlane } from './saga-data-plane.ts';
import {
  requestCounts,
  storePids,
  transactionsCommitted,
  withApplicationName,
} from './saga-stack.ts';
import { formatRow, header, measure, type Summary } from './stats.ts';

const applicationName = `saga-peers-${process.pid}`;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.BENCH_SAGAS ?? 300);
/** 1 shows the unloaded latency, 32 the throughput. */
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const declineShare = Number(process.env.BENCH_DECLINES ?? 0.1);
const skuCount = Number(process.env.BENCH_SKUS ?? 64);
const warmup = Number(process.env.BENCH_WARMUP ?? 20);
/** How long counters (functions' metrics, Postgres' statistics) take to catch up, ms. */
const settleMs = 2_000;
/** Where inventory and payments run, for every engine alike. */
const participantsRuntime = (process.env.BENCH_PARTICIPANTS ?? 'workerd') as FunctionRuntime;
const wantedEngines = process.env.BENCH_ENGINES?.split(',').filter(Boolean);
/** `off`: the participants take unsigned calls (for an engine that cannot sign each request). */
const serviceAuth = process.env.BENCH_SERVICE_AUTH !== 'off';
const repoVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** A peer engine module another change adds: its default export (or `start…`) is a StartEngine. */
async function peerModule(file: string): Promise<StartEngine> {
  const path = fileURLToPath(new URL(`./saga-peers/${file}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`bench/saga-peers/${file} is not there`);
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const start =
    module.default ??
    Object.entries(module).find(
      ([name, value]) => /^start/.test(name) && typeof value === 'function',
    )?.[1];
  if (typeof start !== 'function') {
    throw new Error(`bench/saga-peers/${file} exports no StartEngine (default or start…)`);
  }
  return start as StartEngine;
}

/** The engines in table order: id (for BENCH_ENGINES) and how to get its StartEngine. */
function engineCatalog(plane: SagaDataPlane): Array<[string, () => Promise<StartEngine>]> {
  return [
    ['edgemesh-workerd', () => Promise.resolve(edgemeshEngine('workerd', plane.vars, repoVersion))],
    ['edgemesh-deno', () => Promise.resolve(edgemeshEngine('deno', plane.vars, repoVersion))],
    ['upstash-workflow', () => Promise.resolve(startUpstashWorkflow)],
    ['dbos', () => peerModule('dbos.ts')],
    ['restate', () => peerModule('restate.ts')],
  ];
}

/** One engine's figures at one concurrency. */
interface Run {
  concurrency: number;
  count: number;
  summary: Summary;
  failures: number;
  cpuMs: Array<[string, number]>;
  cpuTotal: number;
  transactions: number;
  /** QStash messages accepted per saga. */
  messages: number;
  requests: Record<string, number>;
}

interface Outcome {
  id: string;
  name: string;
  durability: string;
  runs: Run[];
  checks: string[];
}

function databaseUrlOf(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return withApplicationName(url.toString(), applicationName);
}

async function main(): Promise<void> {
  const admin = new pg.Client({
    connectionString: withApplicationName(serverUrl, applicationName),
  });
  await admin.connect();
  const databases: string[] = [];
  const createDatabase = async (name: string) => {
    await admin.query(`create database ${name}`);
    databases.push(name);
    return name;
  };
  const participantsDb = await createDatabase(`saga_peers_${process.pid}`);
  const setting = async (name: string) =>
    (await admin.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
  const postgresDurability = `fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}, wal_level=${await setting('wal_level')}`;

  const plane = await spawnSagaDataPlane({
    databaseUrl: databaseUrlOf(participantsDb),
    functions: ['inventory', 'payments'],
  });
  const participantsClient = new pg.Client({ connectionString: databaseUrlOf(participantsDb) });
  await participantsClient.connect();
  const secret = `bench-secret-${randomUUID()}`;
  const operatorToken = `bench-operator-${randomUUID()}`;
  const ports = { inventory: await freePort(), payments: await freePort() };
  const urls = {
    inventory: `http://127.0.0.1:${ports.inventory}`,
    payments: `http://127.0.0.1:${ports.payments}`,
  };
  let running: RunningFunction[] = [];
  const outcomes: Outcome[] = [];
  const notRun: string[] = [];
  const started = new Date();
  try {
    running = await startFunctions(
      listFunctions().filter((spec) => spec.name === 'inventory' || spec.name === 'payments'),
      {
        runtime: participantsRuntime,
        ports,
        vars: {
          ...plane.vars,
          LOG_LEVEL: 'warn',
          ...(serviceAuth ? { SERVICE_AUTH_SECRET: secret } : {}),
          EDGEMESH_OPERATOR_TOKEN: operatorToken,
        },
      },
    );
    const participantPids = [listeningPid(ports.inventory), listeningPid(ports.payments)].filter(
      (pid): pid is number => pid !== undefined,
    );
    const participants = participantsOf({
      inventoryUrl: urls.inventory,
      paymentsUrl: urls.payments,
      ...(serviceAuth ? { auth: { secret, caller: 'orders' } } : {}),
    });
    const qstash = {
      url: plane.vars.QSTASH_URL!,
      token: plane.vars.QSTASH_TOKEN!,
      currentSigningKey: plane.vars.QSTASH_CURRENT_SIGNING_KEY!,
      nextSigningKey: plane.vars.QSTASH_NEXT_SIGNING_KEY!,
    };

    console.log(
      `${total} sagas per run (at most 100 at 1 in flight), ${concurrencies.join(' and ')} in flight, ${Math.round(declineShare * 100)} % of payments declined, orders spread over ${skuCount} skus per engine, after ${warmup} warm-up sagas; ` +
        `inventory and payments in ${participantsRuntime} for every engine, ${serviceAuth ? 'callers signed (auth v2, replay guard)' : 'unsigned calls accepted (BENCH_SERVICE_AUTH=off)'}; load average ${loadavg()
          .map((n) => n.toFixed(2))
          .join(', ')} on ${availableParallelism()} cores at the start\n`,
    );
    console.log(header);

    for (const [id, load] of engineCatalog(plane)) {
      if (wantedEngines && !wantedEngines.includes(id)) continue;
      let engine: SagaEngine;
      const engineDb = `${participantsDb}_${id.replaceAll('-', '_')}`;
      try {
        const start = await load();
        await createDatabase(engineDb);
        const context: EngineContext = {
          participants,
          databaseUrl: databaseUrlOf(engineDb),
          qstash,
        };
        engine = await start(context);
      } catch (error) {
        notRun.push(`${id}: not run: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      try {
        outcomes.push(
          await runEngine(id, engine, {
            admin,
            planePid: plane.pid,
            participantPids,
            databases: [participantsDb, engineDb],
            urls,
            operatorToken,
            participantsDb: participantsClient,
            qstashSchema: `qstash_bench_${plane.pid}`,
          }),
        );
      } catch (error) {
        notRun.push(`${id}: failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await engine.stop().catch(() => {});
      }
    }
  } finally {
    report(outcomes, notRun, postgresDurability, started);
    await Promise.all(running.map((fn) => fn.stop()));
    await participantsClient.end();
    plane.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const database of databases) {
      await admin.query(`drop database if exists ${database} with (force)`).catch(() => {});
    }
    await admin.end();
  }
}

interface Shared {
  admin: pg.Client;
  planePid: number;
  participantPids: readonly number[];
  databases: readonly string[];
  urls: { inventory: string; payments: string };
  operatorToken: string;
  /** A connection to the participants' database, where the QStash schema is. */
  participantsDb: pg.Client;
  qstashSchema: string;
}

/** CPU ms so far of each process by role; each pid is charged to the first role that lists it. */
async function cpuByRole(
  shared: Shared,
  engine: SagaEngine,
): Promise<Record<string, Map<number, number>>> {
  const seen = new Set<number>();
  const of = (pids: readonly number[]) => {
    const cpu = new Map<number, number>();
    for (const pid of pids) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      cpu.set(pid, processCpuMs(pid));
    }
    return cpu;
  };
  const stores = await storePids(shared.admin, applicationName, processList());
  return {
    engine: of(engine.pids()),
    participants: of(shared.participantPids),
    'data plane': of([shared.planePid]),
    'load generator': of([process.pid]),
    postgres: of(stores.postgres),
    redis: of(stores.redis),
  };
}

/**
 * CPU ms per role between two readings: each process's own difference (one that started in
 * between counts whole; one that ended in between, a closed Postgres backend, is lost).
 */
function cpuBetween(
  before: Record<string, Map<number, number>>,
  after: Record<string, Map<number, number>>,
): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [role, pids] of Object.entries(after)) {
    spent[role] = 0;
    for (const [pid, ms] of pids) spent[role] += ms - (before[role]?.get(pid) ?? 0);
  }
  return spent;
}

/** Messages accepted by the data plane's QStash so far (its messages table's inserts). */
async function qstashMessages(shared: Shared): Promise<number> {
  const { rows } = await shared.participantsDb.query<{ n: string | null }>(
    `select n_tup_ins as n from pg_stat_user_tables where schemaname = $1 and relname = 'messages'`,
    [shared.qstashSchema],
  );
  return Number(rows[0]?.n ?? Number.NaN);
}

async function runEngine(id: string, engine: SagaEngine, shared: Shared): Promise<Outcome> {
  const tag = randomUUID().slice(0, 8);
  const skus = Array.from({ length: skuCount }, (_, i) => `peers-${id}-${i}-${tag}`);
  const initialStock = total * 2 + warmup + 1000;
  for (const sku of skus) {
    const response = await fetch(`${shared.urls.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${shared.operatorToken}`,
      },
      body: JSON.stringify({ available: initialStock }),
    });
    if (!response.ok) throw new Error(`PUT /stock answered ${response.status}`);
  }
  let placed = 0;
  let declinedPlaced = 0;
  const tally = { confirmed: 0, cancelled: 0, declined: 0, failed: 0, wrong: 0, unexpected: 0 };
  const sold = new Map<string, number>();
  let failures = 0;
  let lastFailure = '';
  const saga = async () => {
    const n = placed++;
    const decline = Math.floor((n + 1) * declineShare) > Math.floor(n * declineShare);
    if (decline) declinedPlaced += 1;
    const order: PeerOrder = {
      orderId: `o-${tag}-${n}`,
      // One customer per saga: orders allows a customer 30 orders a minute.
      customerId: `${decline ? 'decline-' : 'c-'}${tag}-${n}`,
      sku: skus[n % skus.length]!,
      quantity: 1,
      amountCents: 999,
      decline,
    };
    try {
      const status = await engine.run(order);
      tally[status] += 1;
      if (decline) tally.declined += 1;
      if (decline && status === 'confirmed') tally.wrong += 1;
      if (!decline && status === 'cancelled') tally.unexpected += 1;
      if (status === 'confirmed') sold.set(order.sku, (sold.get(order.sku) ?? 0) + 1);
    } catch (error) {
      failures += 1;
      tally.failed += 1;
      lastFailure = error instanceof Error ? error.message : String(error);
    }
  };
  for (let i = 0; i < warmup; i += 1) await saga();
  const runs: Run[] = [];
  for (const concurrency of concurrencies) {
    const count = concurrency === 1 ? Math.min(total, 100) : total;
    const participantUrls = { ...shared.urls };
    // Metrics are pushed by each isolate's flush: let the seeding's and warm-up's land first.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const before = {
      transactions: await transactionsCommitted(shared.admin, shared.databases),
      requests: await requestCounts(participantUrls),
      engineRequests: (await engine.httpRequests?.()) ?? Number.NaN,
      cpu: await cpuByRole(shared, engine),
      failures,
      messages: await qstashMessages(shared),
    };
    const summary = await measure(saga, { total: count, concurrency, warmup: 0 });
    const cpuAfter = await cpuByRole(shared, engine);
    // Metrics are pushed by each isolate's flush, Postgres' statistics at most once a second.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const transactions = await transactionsCommitted(shared.admin, shared.databases);
    const requests = await requestCounts(participantUrls);
    const engineRequests = (await engine.httpRequests?.()) ?? Number.NaN;
    const messages = await qstashMessages(shared);
    const cpuMs = Object.entries(cpuBetween(before.cpu, cpuAfter)).map(
      ([role, ms]) => [role, ms / count] as [string, number],
    );
    runs.push({
      concurrency,
      count,
      summary,
      failures: failures - before.failures,
      cpuMs,
      cpuTotal: cpuMs.reduce((sum, [, ms]) => sum + ms, 0),
      transactions: (transactions - before.transactions) / count,
      messages: (messages - before.messages) / count,
      requests: {
        inventory: (requests.inventory! - before.requests.inventory!) / count,
        payments: (requests.payments! - before.requests.payments!) / count,
        engine: (engineRequests - before.engineRequests) / count,
      },
    });
    console.log(formatRow(`${id}, ${concurrency} in flight`, summary));
  }
  return {
    id,
    name: engine.name,
    durability: engine.durability,
    runs,
    checks: await verify(shared, skus, initialStock, sold, {
      ...tally,
      placed,
      declinedPlaced,
      lastFailure,
    }),
  };
}

/** Every order terminal, with the status its payment called for, and the stock adding up. */
async function verify(
  shared: Shared,
  skus: readonly string[],
  initialStock: number,
  sold: ReadonlyMap<string, number>,
  tally: {
    placed: number;
    declinedPlaced: number;
    confirmed: number;
    cancelled: number;
    declined: number;
    failed: number;
    wrong: number;
    unexpected: number;
    lastFailure: string;
  },
): Promise<string[]> {
  const problems: string[] = [];
  if (tally.failed > 0) {
    problems.push(`${tally.failed} orders not terminal (last: ${tally.lastFailure})`);
  }

  let mismatched = 0;
  for (const sku of skus) {
    const stock = (await (await fetch(`${shared.urls.inventory}/stock/${sku}`)).json()) as {
      available: number;
      reserved: number;
      sold: number;
    };
    const expected = sold.get(sku) ?? 0;
    if (
      stock.reserved !== 0 ||
      stock.sold !== expected ||
      stock.available !== initialStock - expected
    ) {
      mismatched += 1;
      if (mismatched === 1) {
        problems.push(
          `stock of ${sku}: ${JSON.stringify(stock)}, expected sold ${expected}, reserved 0`,
        );
      }
    }
  }
  if (mismatched > 1) problems.push(`${mismatched} skus' stock does not add up`);
  if (tally.wrong > 0)
    problems.push(`${tally.wrong} orders confirmed though their payment was declined`);
  // Not a failure of consistency: a saga may cancel when its deadline passes or a step is refused.
  const unexpected =
    tally.unexpected > 0
      ? `; ${tally.unexpected} cancelled though not declined (the saga's deadline or a refused step)`
      : '';
  const summary = `${tally.placed} orders: ${tally.confirmed} confirmed, ${tally.cancelled} cancelled (${tally.declinedPlaced} declined payments placed${unexpected})`;
  return problems.length === 0
    ? [`${summary}; all terminal, stock of ${skus.length} skus adds up`]
    : [`${summary}; CHECK FAILED: ${problems.join('; ')}`];
}

function report(
  outcomes: readonly Outcome[],
  notRun: readonly string[],
  postgresDurability: string,
  started: Date,
): void {
  const lines: string[] = [''];
  const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  for (const outcome of outcomes) {
    lines.push(`${outcome.id}: ${outcome.name}; durability: ${outcome.durability}`);
    for (const run of outcome.runs) {
      const at = `  ${run.concurrency} in flight`;
      lines.push(
        `${at}: per saga ${fixed(run.transactions)} Postgres transactions, HTTP requests served: inventory ${fixed(run.requests.inventory!)}, payments ${fixed(run.requests.payments!)}, engine ${fixed(run.requests.engine!)}; QStash messages ${fixed(run.messages)}` +
          (run.failures > 0 ? `; ${run.failures} FAILED` : ''),
      );
      lines.push(
        `${at}: CPU ms per saga: ${run.cpuMs.map(([role, ms]) => `${role} ${ms.toFixed(1)}`).join(', ')}; total ${run.cpuTotal.toFixed(1)}`,
      );
    }
    lines.push(...outcome.checks.map((check) => `  ${check}`));
  }
  lines.push(...notRun);
  lines.push(
    `Postgres (one server for all): ${postgresDurability}; the devstack QStash writes its rows with synchronous_commit off`,
  );
  lines.push(...goals(outcomes));
  lines.push(
    `load average at the end ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')}; ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s in all`,
  );
  console.log(lines.join('\n'));
}

/** The goals of bench/README.md, "Saga against peers", for edgemesh on workerd and on Deno. */
function goals(outcomes: readonly Outcome[]): string[] {
  const find = (id: string) => outcomes.find((outcome) => outcome.id === id);
  const at = (outcome: Outcome | undefined, concurrency: number) =>
    outcome?.runs.find((run) => run.concurrency === concurrency);
  const upstash = find('upstash-workflow');
  const dbos = find('dbos');
  const lines: string[] = [];
  for (const id of ['edgemesh-workerd', 'edgemesh-deno']) {
    const own = find(id);
    if (!own) continue;
    const checks: string[] = [];
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const compare = (
      label: string,
      peer: Outcome | undefined,
      value: (run: Run) => number,
      concurrency: number,
      ok: (mine: number, theirs: number) => boolean,
    ) => {
      const mine = at(own, concurrency);
      const theirs = at(peer, concurrency);
      if (!mine || !theirs) {
        checks.push(`${label}: n/a (${peer ? 'no run' : 'peer not run'})`);
        return;
      }
      checks.push(
        `${label}: ${value(mine).toFixed(1)} vs ${value(theirs).toFixed(1)} ${verdict(ok(value(mine), value(theirs)))}`,
      );
    };
    const throughput = (run: Run) => run.summary.perSecond;
    const p50 = (run: Run) => run.summary.p50;
    const cpu = (run: Run) => run.cpuTotal;
    compare(
      '32 in flight ≥ 2× Upstash Workflow (sagas/s)',
      upstash,
      throughput,
      32,
      (a, b) => a >= 2 * b,
    );
    compare('32 in flight ≥ DBOS (sagas/s)', dbos, throughput, 32, (a, b) => a >= b);
    compare('p50 at 1 in flight ≤ DBOS (ms)', dbos, p50, 1, (a, b) => a <= b);
    compare('p50 at 1 in flight ≤ ½ Upstash Workflow (ms)', upstash, p50, 1, (a, b) => a <= b / 2);
    compare('CPU per saga at 32 in flight ≤ 1.5× DBOS (ms)', dbos, cpu, 32, (a, b) => a <= 1.5 * b);
    lines.push(`goals, ${id}: ${checks.join('; ')}`);
  }
  return lines;
}

await main();
process.exit(0);
