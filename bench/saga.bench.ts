// `npm run bench -- saga`: sagas per second and the time from POST /orders to the order's
// terminal status, with orders, inventory and payments in workerd and in Deno on the devstack
// (real Postgres and Redis, the devstack's QStash), at a fixed concurrency. The data plane (Neon
// and Upstash endpoints, QStash) runs in its own process, as `npm start` does. "Terminal" is
// when the order's OrderConfirmed event reaches a receiver in this process (one more QStash hop
// after the commit). Postgres transactions per saga come from pg_stat_database (every
// statement over Neon's HTTP path is one transaction, QStash's own included); HTTP requests per
// saga from the functions' /metrics and the outbox rows published to QStash. CPU per saga of each
// process (load generator, data plane, functions, Postgres, Redis) from /proc, so a change shows
// where it saves even when the machine is shared; BENCH_CPU_PROFILE=<dir> also writes a V8 CPU
// profile of the data plane.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { listFunctions } from '../devstack/functions/catalog.ts';
import type { RunningFunction } from '../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../devstack/functions/start.ts';
import { freePort } from '../devstack/listen.ts';
import { descendants, processCpuMs, processList } from './process-cpu.ts';
import { spawnSagaDataPlane } from './saga-data-plane.ts';
import { requestCounts, storeCpuMs, withApplicationName } from './saga-stack.ts';
import { formatRow, header, measure } from './stats.ts';

/** Tagged with an application_name, so this run's Postgres backends can be told from others'. */
const applicationName = `saga-bench-${process.pid}`;
const databaseUrl = withApplicationName(
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  applicationName,
);
/** A directory: the data plane writes a V8 CPU profile there (node --cpu-prof) when it stops. */
const cpuProfileDir = process.env.BENCH_CPU_PROFILE;
const total = Number(process.env.BENCH_SAGAS ?? 600);
/** Fixed concurrency levels: 1 shows the unloaded latency, 32 the throughput. */
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const runtimes = (process.env.BENCH_RUNTIMES ?? 'workerd,deno').split(',') as FunctionRuntime[];
const names = ['inventory', 'orders', 'payments'];
/** Skus the orders spread over: each sku is one stock stream, written one version at a time. */
const skuCount = Number(process.env.BENCH_SKUS ?? 64);

/**
 * CPU ms so far of each process taking part: the load generator (this process), the data plane,
 * the functions (workerd or Deno processes below this one), Redis, and Postgres (its auxiliary
 * processes and the backends this run's connections opened, found by application_name).
 */
async function cpuByRole(db: pg.Client, dataPlanePid: number): Promise<Record<string, number>> {
  const list = processList();
  const mine = descendants(list, process.pid);
  const cpu: Record<string, number> = {
    'load generator': processCpuMs(process.pid),
    'data plane': processCpuMs(dataPlanePid),
    functions: 0,
    ...(await storeCpuMs(db, applicationName, list)),
  };
  for (const proc of list) {
    if (mine.has(proc.pid) && (proc.comm.startsWith('workerd') || proc.comm === 'deno'))
      cpu.functions! += processCpuMs(proc.pid);
  }
  return cpu;
}

async function main(): Promise<void> {
  const plane = await spawnSagaDataPlane({ databaseUrl, functions: [], cpuProfileDir });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const waiting = new Map<string, () => void>();
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const event = JSON.parse(text) as { type: string; data: { orderId: string } };
      if (event.type !== 'OrderPlaced') waiting.get(event.data.orderId)?.();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/order-events`;

  console.log(
    `${total} sagas per run (100 at 1 in flight), ${concurrencies.join(' and ')} in flight, orders spread over ${skuCount} skus; each: POST /orders → reserve → authorize → confirm (stock + capture) → OrderConfirmed delivered\n`,
  );
  console.log(header);
  const notes: string[] = [];
  try {
    for (const runtime of runtimes) {
      const ports: Record<string, number> = {};
      for (const name of names) ports[name] = await freePort();
      const urls = Object.fromEntries(
        names.map((name) => [name, `http://127.0.0.1:${ports[name]}`]),
      );
      const operatorToken = `bench-operator-${randomUUID()}`;
      const vars = {
        ...plane.vars,
        LOG_LEVEL: 'warn',
        SERVICE_AUTH_SECRET: `bench-secret-${randomUUID()}`,
        EDGEMESH_OPERATOR_TOKEN: operatorToken,
        SERVICE_ORDERS_URL: urls.orders!,
        SERVICE_INVENTORY_URL: urls.inventory!,
        SERVICE_PAYMENTS_URL: urls.payments!,
        ORDERS_EVENTS_DESTINATION: receiverUrl,
      };
      const specs = listFunctions().filter((spec) => names.includes(spec.name));
      let running: RunningFunction[] = [];
      try {
        running = await startFunctions(specs, { runtime, ports, vars });
        const skus = Array.from(
          { length: skuCount },
          (_, i) => `bench-${runtime}-${i}-${randomUUID().slice(0, 8)}`,
        );
        for (const sku of skus) {
          await fetch(`${urls.inventory}/stock/${sku}`, {
            method: 'PUT',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${operatorToken}`,
            },
            body: JSON.stringify({ available: total * 2 + 1000 }),
          });
        }
        let placed = 0;
        const saga = async () => {
          const response = await fetch(`${urls.orders}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // One customer per saga: a customer may place 30 orders a minute (its rate limit).
            body: JSON.stringify({
              customerId: `bench-${placed}`,
              items: [{ sku: skus[placed++ % skus.length]!, quantity: 1, unitPrice: 999 }],
            }),
          });
          if (response.status !== 201 && response.status !== 202) {
            throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
          }
          const { orderId } = (await response.json()) as { orderId: string };
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`saga ${orderId} timed out`)), 60_000);
            waiting.set(orderId, () => {
              clearTimeout(timer);
              waiting.delete(orderId);
              resolve();
            });
          });
        };
        for (let i = 0; i < 30; i += 1) await saga();
        for (const concurrency of concurrencies) {
          const count = concurrency === 1 ? Math.min(total, 100) : total;
          const xact = async () =>
            Number(
              (
                await db.query<{ xact_commit: string }>(
                  `select xact_commit from pg_stat_database where datname = current_database()`,
                )
              ).rows[0]!.xact_commit,
            );
          const before = {
            xact: await xact(),
            requests: await requestCounts(urls),
            at: new Date(),
          };
          const cpuBefore = await cpuByRole(db, plane.pid);
          const summary = await measure(saga, { total: count, concurrency, warmup: 0 });
          const cpuAfter = await cpuByRole(db, plane.pid);
          // Metrics are pushed by each isolate's flush; give the last one time to land.
          await new Promise((resolve) => setTimeout(resolve, 500));
          const after = { xact: await xact(), requests: await requestCounts(urls) };
          const outbox = Number(
            (
              await db.query<{ n: string }>(
                // A step's row that its inline run marked done never reached QStash.
                `select count(*) filter (where not (destination like '%/saga/steps'
                   and body->>'kind' in ('step', 'compensate') and attempts = 0)) as n
                 from es_outbox where created_at >= $1`,
                [before.at],
              )
            ).rows[0]!.n,
          );
          console.log(formatRow(`${runtime}, ${concurrency} in flight`, summary));
          const perSaga = (n: number) => (n / count).toFixed(1);
          const hops = names.map(
            (name) => `${name} ${perSaga(after.requests[name]! - before.requests[name]!)}`,
          );
          notes.push(
            `${runtime}, ${concurrency} in flight: per saga ${perSaga(after.xact - before.xact)} Postgres transactions ` +
              `(functions + QStash), HTTP requests served: ${hops.join(', ')}; QStash publishes ${perSaga(outbox)}`,
          );
          const cpuMs = Object.entries(cpuAfter).map(
            ([role, ms]) => [role, (ms - cpuBefore[role]!) / count] as const,
          );
          const cpuTotal = cpuMs.reduce((sum, [, ms]) => sum + ms, 0);
          notes.push(
            `${runtime}, ${concurrency} in flight: CPU ms per saga: ${cpuMs.map(([role, ms]) => `${role} ${ms.toFixed(1)}`).join(', ')}; ` +
              `total ${cpuTotal.toFixed(1)} (${availableParallelism()} cores: at most ${((availableParallelism() * 1000) / cpuTotal).toFixed(0)} sagas/s)`,
          );
          if (concurrency > 1) {
            notes.push(
              `${runtime}: goal ≥ 210 sagas/s with p50 ≤ 50 ms: ${summary.perSecond.toFixed(0)}/s ${summary.perSecond >= 210 ? 'met' : 'MISSED'}, p50 ${summary.p50.toFixed(1)} ms ${summary.p50 <= 50 ? 'met' : 'MISSED'}`,
            );
          }
        }
      } finally {
        await Promise.all(running.map((fn) => fn.stop()));
      }
    }
  } finally {
    console.log(`\n${notes.join('\n')}`);
    await db.end();
    receiver.close();
    plane.stop();
  }
}

await main();
process.exit(0);
