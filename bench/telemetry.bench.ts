// `npm run bench -- telemetry`: what the telemetry stack costs, against bare Hono and against the
// standard instrumentation a user would otherwise reach for. The same GET /health and POST
// /orders-like routes (no I/O in the handler) served three ways in each runtime: bare Hono; the
// instrumented fixture (validation, problem errors, tracing at 100 % sampling exported to the
// devstack's OTLP collector, RED metrics pushed to Redis, logs); and the same routes with the same
// validation instrumented by standard OpenTelemetry, exporting to the same collector at the same
// sampling (Deno: @hono/otel's httpInstrumentationMiddleware with the SDK's BatchSpanProcessor and
// the OTLP/HTTP exporter; workerd: @microlabs/otel-cf-workers' `instrument`, with nodejs_compat).
// Rounds alternate the variants so drift hits all; the medians are compared. The data plane (Redis
// REST endpoint and OTLP collector) runs in its own process, as it would elsewhere in production,
// so its work does not slow the load generator.
//
// Closed-loop throughput alone misled: with Node's fetch as the load generator (300–700 µs of CPU
// per request) the server idled between requests, so every variant ran at the load generator's
// pace. The load comes from autocannon (tens of µs per request), and each run also reads the
// serving deno/workerd process's CPU time (utime + stime from /proc/<pid>/stat, before the run
// and after its last flush settled) and the load generator's and data plane's. The primary
// measure is the CPU each instrumentation adds per request above bare Hono's, edgemesh's against
// the standard one's; saturation (bare CPU per request / instrumented CPU per request) is the
// share of bare's throughput each keeps once the server's core is the bottleneck. A loop that
// saturates the server measures its queue, so p99 is judged on runs with 1 in flight: the latency
// the stack adds to a request with nothing queued in front of it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import autocannon from 'autocannon';
import { startDataPlane } from '../devstack/data-plane.ts';
import { startFixture, type RunningFixture } from '../test/fixtures/telemetry/start.ts';
import { spawnReporting } from './child-process.ts';
import { listeningPid } from './listening-pid.ts';
import { processCpuMs } from './process-cpu.ts';
import { formatRow, header, median, summarize, type Summary } from './stats.ts';

// Enough requests per run for the CPU clock (10 ms ticks) to resolve a few µs per request.
const total = Number(process.env.BENCH_REQUESTS ?? 20_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmup = 2000;
/** Requests per run with one in flight: the latency the stack adds, with no queue in front. */
const unqueued = Number(process.env.BENCH_UNQUEUED ?? 2000);
/** Wait before and after a measured run, in ms: long enough for the exports of the last requests. */
const settleMs = 1200;
const orderBody = JSON.stringify({
  customerId: 'bench',
  items: [{ sku: 'kettle', quantity: 1, unitPrice: 2599 }],
});

type Route = 'GET /health' | 'POST /orders';
type Variant = 'bare' | 'full' | 'otel';
const variants: readonly Variant[] = ['bare', 'full', 'otel'];
/**
 * edgemesh with its former flush cadence (a flush every 50 ms, no batch cap), run with 1 in flight
 * only: the A/B of the p99 fix inside the same run.
 */
const formerCadence = { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' };
type UnqueuedVariant = Variant | 'former';
const unqueuedVariants: readonly UnqueuedVariant[] = [...variants, 'former'];
/** The standard instrumentation each runtime is compared with. */
const peerName = { deno: '@hono/otel + SDK', workerd: 'otel-cf-workers' } as const;
/** Goals: edgemesh's added server CPU per request against the standard one's, and p99 at 1 in flight against bare. */
const addedCpuGoal = 0.7;
const p99Goal = 1.2;

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

/**
 * Sends `amount` requests of `route` from `concurrency` keep-alive connections through autocannon
 * (a few tens of µs of CPU per request, where Node's fetch spends several hundred) and
 * summarises the latency of each response.
 */
async function load(
  url: string,
  route: Route,
  amount: number,
  connections = concurrency,
): Promise<Summary> {
  const latencies: number[] = [];
  let failed = 0;
  let last = 0;
  const started = performance.now();
  const instance = autocannon({
    ...(route === 'GET /health'
      ? { url: `${url}/health` }
      : {
          url: `${url}/orders`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: orderBody,
        }),
    connections,
    amount,
    sampleInt: 50,
  }).on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms);
    if (status >= 400) failed += 1;
    last = performance.now();
  });
  const { errors, timeouts } = await instance;
  if (failed + errors + timeouts > 0) {
    throw new Error(`${route}: ${failed} error statuses, ${errors} errors, ${timeouts} timeouts`);
  }
  // Up to the last response, not to autocannon's end, which waits for its next sample.
  return summarize(latencies, (last - started) / 1000);
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

/** One measured run: closed-loop latencies, and the CPU seconds each end spent on it. */
interface Run {
  summary: Summary;
  /** The serving process, from before the run to after its flushes settled; undefined without /proc. */
  server: number | undefined;
  /** The serving process during the run only, to tell whether it was saturated. */
  serverDuringRun: number | undefined;
  /** This process (the load generator) during the run. */
  load: number;
  /** The data plane's process (collector and Redis endpoint, on the load generator's core) during the run. */
  plane: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fixture under load and the deno or workerd process serving it, when /proc tells. */
interface Served {
  url: string;
  pid: number | undefined;
}

function served(fixture: RunningFixture): Served {
  return { url: fixture.url, pid: listeningPid(Number(new URL(fixture.url).port)) };
}

async function measureRun(fixture: Served, route: Route, planePid?: number): Promise<Run> {
  await load(fixture.url, route, warmup);
  await sleep(settleMs);
  const serverCpu = () =>
    fixture.pid === undefined ? undefined : processCpuMs(fixture.pid) / 1000;
  const server0 = serverCpu();
  const planeCpu = () => (planePid === undefined ? undefined : processCpuMs(planePid) / 1000);
  const plane0 = planeCpu();
  const generator0 = process.cpuUsage();
  const summary = await load(fixture.url, route, total);
  const generator = process.cpuUsage(generator0);
  const serverRun = serverCpu();
  const planeRun = planeCpu();
  // The full stack's last flush window (spans serialised and exported, metrics pushed) counts too.
  await sleep(settleMs);
  const serverSettled = serverCpu();
  return {
    summary,
    server: server0 === undefined ? undefined : serverSettled! - server0,
    serverDuringRun: server0 === undefined ? undefined : serverRun! - server0,
    load: (generator.user + generator.system) / 1e6,
    plane: plane0 === undefined ? undefined : planeRun! - plane0,
  };
}

/** CPU of a variant's runs: µs per request (summed over rounds) and the median share of a core. */
interface CpuFigures {
  serverMicros: number | undefined;
  serverBusy: number | undefined;
  loadMicros: number;
  /** Load generator and data plane together: the other core's share spent on the run. */
  loadBusy: number;
}

function cpuFigures(runs: Run[]): CpuFigures {
  const requests = runs.reduce((sum, run) => sum + run.summary.count, 0);
  const seconds = (run: Run) => run.summary.count / run.summary.perSecond;
  const measured = runs.every((run) => run.server !== undefined);
  return {
    serverMicros: measured
      ? (runs.reduce((sum, run) => sum + run.server!, 0) / requests) * 1e6
      : undefined,
    serverBusy: measured
      ? median(runs.map((run) => run.serverDuringRun! / seconds(run)))
      : undefined,
    loadMicros: (runs.reduce((sum, run) => sum + run.load, 0) / requests) * 1e6,
    loadBusy: median(runs.map((run) => (run.load + (run.plane ?? 0)) / seconds(run))),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(0).padStart(3)} %`;

function formatCpu({ serverMicros, serverBusy, loadMicros, loadBusy }: CpuFigures): string {
  const server =
    serverMicros === undefined
      ? `${'n/a'.padStart(10)} ${''.padStart(7)}`
      : `${serverMicros.toFixed(0).padStart(7)} µs ${percent(serverBusy!)}`;
  return `${server} ${loadMicros.toFixed(0).padStart(7)} µs ${percent(loadBusy)}`;
}

// Busy: share of a core over the run; the load generator's includes the data plane's.
const cpuHeader = `${'server CPU/req busy'.padStart(26)} ${'load gen CPU/req busy'.padStart(22)}`;

/** Verdict lines of one route and runtime: added CPU against the standard peer, unqueued p99, the closed loop. */
function verdict(
  name: string,
  peer: string,
  runs: Record<Variant, Run[]>,
  single: Record<UnqueuedVariant, Summary>,
): string {
  const summary = (variant: Variant) => medianSummary(runs[variant].map((run) => run.summary));
  const cpu = (variant: Variant) => cpuFigures(runs[variant]);
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const p99 = (variant: UnqueuedVariant) => single[variant].p99 / single.bare.p99;
  const latency =
    `p99 at 1 in flight ${p99('full').toFixed(2)}× bare (${single.bare.p99.toFixed(2)} → ` +
    `${single.full.p99.toFixed(2)} ms; goal ≤ ${p99Goal.toFixed(2)}×) ${met(p99('full') <= p99Goal)}, ` +
    `${peer} ${p99('otel').toFixed(2)}× (${single.otel.p99.toFixed(2)} ms), ` +
    `edgemesh flushing every 50 ms as before ${p99('former').toFixed(2)}× (${single.former.p99.toFixed(2)} ms)`;
  const loop =
    `closed loop (${concurrency} in flight) ${percent(summary('full').perSecond / summary('bare').perSecond).trim()} of bare, ` +
    `${peer} ${percent(summary('otel').perSecond / summary('bare').perSecond).trim()}`;
  const [bare, full, otel] = [cpu('bare'), cpu('full'), cpu('otel')];
  if (
    bare.serverMicros === undefined ||
    full.serverMicros === undefined ||
    otel.serverMicros === undefined
  ) {
    return `${name.padEnd(22)} server CPU not measured (no /proc); ${latency}\n${''.padEnd(22)} ${loop}`;
  }
  const added = (figures: CpuFigures) => figures.serverMicros! - bare.serverMicros!;
  const ratio = added(full) / added(otel);
  const busy = (figures: CpuFigures) => percent(figures.serverBusy!).trim();
  return (
    `${name.padEnd(22)} added server CPU/request: edgemesh ${added(full).toFixed(0)} µs, ${peer} ${added(otel).toFixed(0)} µs ` +
    `(bare ${bare.serverMicros.toFixed(0)} µs) = ${ratio.toFixed(2)}× (goal ≤ ${addedCpuGoal}×) ${met(ratio <= addedCpuGoal)}; ` +
    `saturation ${percent(bare.serverMicros / full.serverMicros).trim()} / ${percent(bare.serverMicros / otel.serverMicros).trim()} of bare\n` +
    `${''.padEnd(22)} ${latency}\n` +
    `${''.padEnd(22)} ${loop}; server busy ${busy(bare)} / ${busy(full)} / ${busy(otel)} of its core (bare / edgemesh / ${peer})`
  );
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
    `${total} requests per run, ${concurrency} in flight (then ${unqueued} with 1 in flight), ${rounds} alternating rounds per variant (medians); ` +
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores; ` +
      `${pinning ? 'server on core 1, load generator and data plane on core 0' : 'no core pinning'}\n`,
  );
  console.log(`${header} ${cpuHeader}`);
  try {
    for (const runtime of ['deno', 'workerd'] as const) {
      const vars = { ...plane.vars, LOG_LEVEL: 'warn', METRICS_PREFIX: prefix };
      const running: RunningFixture[] = [];
      // The fixtures inherit this process's core as they start; the load then moves to core 0.
      pin(process.pid, 1);
      try {
        const sampled = { OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
        const start = async (variant: UnqueuedVariant) => {
          const fixture = await startFixture(
            runtime,
            `bench-${variant}-${runtime}`,
            {
              ...vars,
              ...(variant === 'bare' ? {} : { ...sampled, FIXTURE_NAME: `bench-${variant}` }),
              ...(variant === 'former' ? formerCadence : {}),
            },
            { variant: variant === 'former' ? 'full' : variant },
          );
          running.push(fixture);
          return served(fixture);
        };
        const targets = {} as Record<UnqueuedVariant, Served>;
        for (const variant of unqueuedVariants) targets[variant] = await start(variant);
        pin(process.pid, 0);
        const labels: Record<UnqueuedVariant, string> = {
          bare: 'bare Hono',
          full: 'edgemesh',
          otel: peerName[runtime],
          former: 'edgemesh, 50 ms window',
        };
        for (const route of ['GET /health', 'POST /orders'] as const) {
          const results: Record<Variant, Run[]> = { bare: [], full: [], otel: [] };
          const unqueuedRuns: Record<UnqueuedVariant, Summary[]> = {
            bare: [],
            full: [],
            otel: [],
            former: [],
          };
          await load(targets.former.url, route, warmup);
          for (let round = 0; round < rounds; round += 1) {
            for (const variant of unqueuedVariants) {
              if (variant !== 'former') {
                results[variant].push(await measureRun(targets[variant], route, child.pid));
              }
              await sleep(settleMs);
              unqueuedRuns[variant].push(await load(targets[variant].url, route, unqueued, 1));
            }
          }
          const single = {
            bare: medianSummary(unqueuedRuns.bare),
            full: medianSummary(unqueuedRuns.full),
            otel: medianSummary(unqueuedRuns.otel),
            former: medianSummary(unqueuedRuns.former),
          };
          for (const variant of variants) {
            const runs = results[variant];
            console.log(
              `${formatRow(`${runtime} ${route}: ${labels[variant]}`, medianSummary(runs.map((run) => run.summary)))} ${formatCpu(cpuFigures(runs))}`,
            );
          }
          for (const variant of unqueuedVariants) {
            console.log(
              formatRow(`${runtime} ${route}: ${labels[variant]}, 1 in flight`, single[variant]),
            );
          }
          verdicts.push(verdict(`${runtime} ${route}`, peerName[runtime], results, single));
        }
      } finally {
        await Promise.all(running.map((fixture) => fixture.stop()));
      }
    }
    console.log(`\n${verdicts.join('\n')}`);
    console.log(
      `load average at the end ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
    );
    const recent = (await (await fetch(`${plane.otlp.url}/api/traces?limit=1000`)).json()) as {
      traces: { services: string[] }[];
    };
    const services = new Set(recent.traces.flatMap((trace) => trace.services));
    console.log(`\ncollector received spans from: ${[...services].sort().join(', ') || 'NONE'}`);
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
