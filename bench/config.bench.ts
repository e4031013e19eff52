// `npm run bench -- config`: what a settings read costs on the hot path; how long a change takes
// to reach 8 isolates, each its own workerd process polling every SETTINGS_INTERVAL_MS (Redis and
// etcd), and 8 Node processes on etcd's watch stream; and the store requests per second that
// the revision checks of 1,000 isolates add.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { startEtcd } from '../devstack/etcd/index.ts';
import type { RunningFunction } from '../devstack/functions/running.ts';
import { startOnWorkerd } from '../devstack/functions/workerd.ts';
import type { ConfigStore } from '../shared/config/config-store.ts';
import { etcdConfigStore } from '../shared/config/etcd-store.ts';
import { memoryConfigStore } from '../shared/config/memory-store.ts';
import { createSettingsAdmin } from '../shared/config/settings-admin.ts';
import { createSettingsCache } from '../shared/config/settings-cache.ts';
import { upstashConfigStore } from '../shared/config/upstash-store.ts';
import { spawnRedisEndpoint } from './config/redis-endpoint-process.ts';
import { benchSettings } from './config/schema.ts';
import { percentile } from './stats.ts';

const readers = Number(process.env.BENCH_ISOLATES ?? 8);
const rounds = Number(process.env.BENCH_PROPAGATION_ROUNDS ?? 30);
const intervalMs = Number(process.env.BENCH_SETTINGS_INTERVAL_MS ?? 500);
const requestGapMs = Number(process.env.BENCH_REQUEST_GAP_MS ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { info: () => undefined, warn: (line: string) => console.error(line) };

// 1. The hot path: `current()` on a loaded cache, with its interval check, against a bare read.
{
  const loaded = async (now?: () => number) => {
    const cache = createSettingsCache({
      store: memoryConfigStore(),
      service: 'bench',
      schema: benchSettings,
      intervalMs,
      log: quiet,
      ...(now ? { now } : {}),
    });
    await cache.ready();
    return cache;
  };
  const withDateNow = await loaded();
  // A clock read once per request and handed in (e.g. the request's start time).
  let requestTime = Date.now();
  const withRequestClock = await loaded(() => requestTime);
  const plain = Object.freeze({ round: 1 });
  const reads = 20_000_000;
  const time = (read: () => { round: number }) => {
    let sink = 0;
    for (let i = 0; i < reads / 10; i += 1) sink += read().round;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reads; i += 1) sink += read().round;
    const ns = Number(process.hrtime.bigint() - t0) / reads;
    return sink > 0 ? ns : ns;
  };
  const rows: Array<[string, () => { round: number }]> = [
    ['settings.current(), clock = Date.now (default)', () => withDateNow.current()],
    ['settings.current(), clock = a per-request time', () => withRequestClock.current()],
    ['Date.now() alone', () => (Date.now() > 0 ? plain : plain)],
    ['a frozen object behind a function (floor)', () => plain],
  ];
  const best = new Map(rows.map(([name]) => [name, Number.POSITIVE_INFINITY]));
  for (let run = 0; run < 3; run += 1) {
    for (const [name, read] of rows) best.set(name, Math.min(best.get(name)!, time(read)));
    requestTime = Date.now();
  }
  console.log(`hot-path read, ${reads / 1e6} M reads each, best of 3 interleaved runs`);
  for (const [name, ns] of best)
    console.log(`  ${name.padEnd(50)} ${ns.toFixed(1).padStart(7)} ns/read`);
}

/** Reports the times at which each reader first showed each round, on the driver's clock. */
interface Readers {
  seen: Array<Map<number, number>>;
  /** Store calls each reader made so far (workerd readers only). */
  calls: Array<{ heads: number; get: number }>;
  stop(): Promise<void>;
}

async function workerdReaders(vars: Record<string, string>): Promise<Readers> {
  const workers: RunningFunction[] = await Promise.all(
    Array.from({ length: readers }, (_, i) =>
      startOnWorkerd(
        {
          name: `config-bench-${i}-${randomUUID().slice(0, 6)}`,
          workerEntry: fileURLToPath(new URL('./config/worker.ts', import.meta.url)),
          denoEntry: '',
        },
        { port: 0, vars: { ...vars, SETTINGS_INTERVAL_MS: String(intervalMs) } },
      ),
    ),
  );
  await Promise.all(workers.map((w) => fetch(`${w.url}/ready`).then((r) => r.text())));
  const seen = workers.map(() => new Map<number, number>());
  const calls = workers.map(() => ({ heads: 0, get: 0 }));
  let running = true;
  const loops = workers.map(async (worker, i) => {
    while (running) {
      const reply = (await (await fetch(worker.url)).json()) as {
        round: number;
        calls: { heads: number; get: number };
      };
      if (!seen[i]!.has(reply.round)) {
        seen[i]!.set(reply.round, performance.now() + performance.timeOrigin);
      }
      calls[i] = reply.calls;
      await sleep(requestGapMs);
    }
  });
  return {
    seen,
    calls,
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

async function watchReaders(url: string, prefix: string): Promise<Readers> {
  const file = fileURLToPath(new URL('./config/watch-reader.ts', import.meta.url));
  const seen = Array.from({ length: readers }, () => new Map<number, number>());
  const children: ChildProcess[] = [];
  await Promise.all(
    seen.map(
      (marks) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', file, url, prefix], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          child.once('exit', (code) => reject(new Error(`watch reader exited with ${code}`)));
          createInterface({ input: child.stdout }).on('line', (line) => {
            const message = JSON.parse(line) as { ready?: true; round?: number; at?: number };
            if (message.ready) resolve();
            else if (!marks.has(message.round!)) marks.set(message.round!, message.at!);
          });
        }),
    ),
  );
  return {
    seen,
    calls: [],
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/**
 * Sets `round` once per round at a random phase of the readers' interval, timing from the moment
 * the write is sent, and collects when each reader first shows it (ms).
 */
async function propagation(
  store: ConfigStore,
  group: Readers,
): Promise<{ samples: number[]; commits: number[] }> {
  let sentAt = 0;
  const commits: number[] = [];
  const timed: ConfigStore = {
    ...store,
    put: async (...args) => {
      sentAt = performance.now() + performance.timeOrigin;
      const revision = await store.put(...args);
      commits.push(performance.now() + performance.timeOrigin - sentAt);
      return revision;
    },
  };
  const admin = createSettingsAdmin({ store: timed, services: { bench: benchSettings } });
  const samples: number[] = [];
  let missed = 0;
  for (let round = 1; round <= rounds; round += 1) {
    await sleep(Math.random() * intervalMs);
    await admin.set('bench', 'round', round, { actor: 'bench' });
    const deadline = Date.now() + 10_000;
    while (group.seen.some((marks) => !marks.has(round)) && Date.now() < deadline) await sleep(5);
    for (const marks of group.seen) {
      const at = marks.get(round);
      if (at === undefined) missed += 1;
      else samples.push(Math.max(0, at - sentAt));
    }
  }
  if (missed > 0) console.log(`  ${missed} reader-rounds never saw their change within 10 s`);
  return { samples: samples.sort((a, b) => a - b), commits: commits.sort((a, b) => a - b) };
}

const report = (name: string, { samples, commits }: { samples: number[]; commits: number[] }) =>
  console.log(
    `  ${name.padEnd(46)} p50 ${percentile(samples, 50).toFixed(0).padStart(4)} ms  p99 ${percentile(samples, 99).toFixed(0).padStart(4)} ms  max ${samples.at(-1)!.toFixed(0).padStart(4)} ms  (${samples.length} samples; the write itself p50 ${percentile(commits, 50).toFixed(0)} ms)`,
  );

/** Store calls per second per reader while nothing changes, over `ms`. */
async function idleCalls(group: Readers, ms: number) {
  const before = group.calls.map((c) => ({ ...c }));
  await sleep(ms);
  const total = (pick: (c: { heads: number; get: number }) => number) =>
    group.calls.reduce((sum, c, i) => sum + pick(c) - pick(before[i]!), 0);
  return {
    heads: total((c) => c.heads) / group.calls.length / (ms / 1000),
    get: total((c) => c.get) / group.calls.length / (ms / 1000),
  };
}

console.log(
  `\npropagation from a write to ${readers} readers, ${rounds} rounds at random phases; ` +
    `workerd readers request every ${requestGapMs} ms and check every ${intervalMs} ms`,
);

// 2. Redis through the devstack's Upstash endpoint (its own process), read by workerd isolates.
const redis = await spawnRedisEndpoint();
const redisPrefix = `bench:config:${randomUUID()}:`;
const redisStore = upstashConfigStore(
  new Redis({ url: redis.url, token: redis.token, enableTelemetry: false }),
  { prefix: redisPrefix },
);
const redisReaders = await workerdReaders({
  UPSTASH_REDIS_REST_URL: redis.url,
  UPSTASH_REDIS_REST_TOKEN: redis.token,
  EDGEMESH_CONFIG_PREFIX: redisPrefix,
});
const redisResult = await propagation(redisStore, redisReaders);
report(`Redis (${redis.kind}), ${readers} workerd isolates polling`, redisResult);
const idle = await idleCalls(redisReaders, 5_000);
await redisReaders.stop();
await redis.stop();

// 3. etcd, read by workerd isolates polling and by Node processes holding the watch stream.
const etcd = await startEtcd();
let etcdPoll: number[] | undefined;
if (etcd) {
  const prefix = `/bench/config/${randomUUID()}/`;
  const store = etcdConfigStore({ url: etcd.url, prefix });
  const polling = await workerdReaders({
    EDGEMESH_CONFIG_STORE: 'etcd',
    ETCD_URL: etcd.url,
    EDGEMESH_CONFIG_PREFIX: prefix,
  });
  const pollResult = await propagation(store, polling);
  etcdPoll = pollResult.samples;
  await polling.stop();
  report(`etcd, ${readers} workerd isolates polling`, pollResult);
  const watchPrefix = `/bench/config/${randomUUID()}/`;
  const watching = await watchReaders(etcd.url, watchPrefix);
  const watchResult = await propagation(
    etcdConfigStore({ url: etcd.url, prefix: watchPrefix }),
    watching,
  );
  await watching.stop();
  report(`etcd, ${readers} Node processes on the watch stream`, watchResult);
  await etcd.stop();
} else {
  console.log('  etcd: skipped (no etcd on PATH and no ETCD_URL)');
}

// 4. What the checks cost the store at scale, from the interval.
console.log(`\nrevision checks: one heads request per interval per isolate that serves traffic`);
console.log(
  `  measured on Redis, nothing changing: ${idle.heads.toFixed(2)} checks/s and ${idle.get.toFixed(2)} reads/s per busy workerd isolate at ${intervalMs} ms (expected ${(1000 / intervalMs).toFixed(2)} and 0)`,
);
for (const interval of [500, 1_000, 5_000, 30_000]) {
  console.log(
    `  1,000 isolates, interval ${String(interval).padStart(6)} ms: ${(1_000 * (1000 / interval)).toFixed(0).padStart(5)} requests/s added (+1 read per isolate per change)`,
  );
}
console.log(
  `  1,000 isolates on etcd's watch stream: 1,000 open streams, ~0 requests/s (a safety check every 30 s: 33 requests/s)`,
);

const worst = Math.max(
  percentile(redisResult.samples, 99),
  ...(etcdPoll ? [percentile(etcdPoll, 99)] : []),
);
console.log(
  `\ngoal: a change reaches every isolate within 1,000 ms on the devstack: p99 ${worst.toFixed(0)} ms (poll, ${intervalMs} ms interval)`,
);
process.exit(0);
