// `npm run bench -- telemetry`: what the full middleware stack costs. The same GET /health and
// POST /orders-like routes (no I/O in the handler) served by bare Hono and by the instrumented
// fixture (validation, problem errors, tracing at 100 % sampling exported to the devstack's OTLP
// collector, RED metrics pushed to Redis), in Deno and in workerd. Rounds alternate bare and full
// so drift hits both; the medians are compared. The data plane (Redis REST endpoint and OTLP
// collector) runs in its own process, as it would elsewhere in production, so its work does not
// slow the load generator.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { startDataPlane } from '../devstack/data-plane.ts';
import { startFixture, type RunningFixture } from '../test/fixtures/telemetry/start.ts';
import { spawnReporting } from './child-process.ts';
import { formatRow, header, measure, type Summary } from './stats.ts';

const total = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const orderBody = JSON.stringify({
  customerId: 'bench',
  items: [{ sku: 'kettle', quantity: 1, unitPrice: 2599 }],
});

type Route = 'GET /health' | 'POST /orders';

/**
 * The server under test gets a core of its own, the load generator and the data plane (whose
 * collector and Redis endpoint stand for remote services) the other: without it, the collector's
 * work on the spans is charged to the full stack. `BENCH_PIN=0` turns it off.
 */
const pinning =
  process.env.BENCH_PIN !== '0' &&
  availableParallelism() >= 2 &&
  (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

/** Moves every thread of `pid` to `cpu`; processes it spawns later inherit it. */
function pin(pid: number, cpu: number): void {
  if (pinning)
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

function request(url: string, route: Route): () => Promise<void> {
  return async () => {
    const response =
      route === 'GET /health'
        ? await fetch(`${url}/health`)
        : await fetch(`${url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: orderBody,
          });
    await response.arrayBuffer();
    if (response.status >= 400) throw new Error(`${route} answered ${response.status}`);
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianSummary(runs: Summary[]): Summary {
  return {
    count: runs.reduce((sum, run) => sum + run.count, 0),
    p50: median(runs.map((run) => run.p50)),
    p95: median(runs.map((run) => run.p95)),
    p99: median(runs.map((run) => run.p99)),
    perSecond: median(runs.map((run) => run.perSecond)),
  };
}

async function serveDataPlane(): Promise<void> {
  const plane = await startDataPlane({
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: process.env.REDIS_URL,
    neonPort: 0,
    redisPort: 0,
    redisToken: `bench-${randomUUID()}`,
  });
  console.log(JSON.stringify({ vars: plane.vars, otlp: plane.otlp }));
  process.once('SIGTERM', () => void plane.stop().then(() => process.exit(0)));
}

if (process.argv[2] === '--data-plane') {
  await serveDataPlane();
} else {
  await main();
}

async function main(): Promise<void> {
  const { report: plane, child } = await spawnReporting<{
    vars: Record<string, string>;
    otlp: { url: string };
  }>(fileURLToPath(import.meta.url), { args: ['--data-plane'] });
  pin(child.pid!, 0);
  const prefix = `bench:telemetry:${randomUUID()}`;
  const verdicts: string[] = [];
  console.log(
    `${total} requests per run, ${concurrency} in flight, ${rounds} alternating rounds per variant (medians); ` +
      `${pinning ? 'server on core 1, load generator and data plane on core 0' : 'no core pinning'}\n`,
  );
  console.log(header);
  try {
    for (const runtime of ['deno', 'workerd'] as const) {
      const vars = { ...plane.vars, LOG_LEVEL: 'warn', METRICS_PREFIX: prefix };
      const running: RunningFixture[] = [];
      // The fixtures inherit this process's core as they start; the load then moves to core 0.
      pin(process.pid, 1);
      try {
        const bare = await startFixture(runtime, `bench-bare-${runtime}`, vars, { bare: true });
        running.push(bare);
        const full = await startFixture(runtime, `bench-full-${runtime}`, {
          ...vars,
          FIXTURE_NAME: 'bench',
          OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        });
        running.push(full);
        pin(process.pid, 0);
        for (const route of ['GET /health', 'POST /orders'] as const) {
          const results: Record<'bare' | 'full', Summary[]> = { bare: [], full: [] };
          for (let round = 0; round < rounds; round += 1) {
            for (const [variant, fixture] of [
              ['bare', bare],
              ['full', full],
            ] as const) {
              results[variant].push(
                await measure(request(fixture.url, route), { total, concurrency, warmup: 200 }),
              );
            }
          }
          const bareSummary = medianSummary(results.bare);
          const fullSummary = medianSummary(results.full);
          console.log(formatRow(`${runtime} ${route}: bare Hono`, bareSummary));
          console.log(formatRow(`${runtime} ${route}: full stack`, fullSummary));
          const throughput = fullSummary.perSecond / bareSummary.perSecond;
          const p99 = fullSummary.p99 / bareSummary.p99;
          verdicts.push(
            `${`${runtime} ${route}`.padEnd(22)} throughput ${(throughput * 100).toFixed(0).padStart(3)} % of bare (goal ≥ 90 %) ${throughput >= 0.9 ? 'met' : 'MISSED'}; p99 ${p99.toFixed(2)}× bare (goal ≤ 1.10×) ${p99 <= 1.1 ? 'met' : 'MISSED'}`,
          );
        }
      } finally {
        await Promise.all(running.map((fixture) => fixture.stop()));
      }
    }
    console.log(`\n${verdicts.join('\n')}`);
    const spans = (await (await fetch(`${plane.otlp.url}/api/traces?limit=1`)).json()) as {
      traces: unknown[];
    };
    console.log(`\ncollector received spans: ${spans.traces.length > 0 ? 'yes' : 'NO'}`);
  } finally {
    const redis = new Redis({
      url: plane.vars.UPSTASH_REDIS_REST_URL!,
      token: plane.vars.UPSTASH_REDIS_REST_TOKEN!,
      enableTelemetry: false,
    });
    await redis.del(`${prefix}:families`, `${prefix}:values`);
    child.kill('SIGTERM');
  }
}
