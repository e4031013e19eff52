// `npm run bench -- breaker`: what the shared breaker costs while CLOSED, compared with no
// breaker, opossum and cockatiel around a 1 ms local call; how many Redis round trips a call
// makes; and how long an OPEN decision takes to reach every isolate.
import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { startRedisBackend, startUpstashEndpoint } from '../devstack/redis/index.ts';
import { createBreaker, type Breaker } from '../shared/breaker/breaker.ts';
import { upstashBreakerStore } from '../shared/breaker/upstash-store.ts';

const total = Number(process.env.BENCH_REQUESTS ?? 2000);
const isolates = Number(process.env.BENCH_ISOLATES ?? 8);
const rounds = Number(process.env.BENCH_PROPAGATION_ROUNDS ?? 5);

const backend = await startRedisBackend({ log: () => {} });
const endpoint = await startUpstashEndpoint({ backend, token: 'bench-token', port: 0 });

// Count every request the Upstash client makes, and those made while a call waits to start.
let redisRequests = 0;
let synchronousRedisRequests = 0;
let admitting = false;
const realFetch = globalThis.fetch;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const url = input instanceof Request ? input.url : String(input);
  if (url.startsWith(endpoint.url)) {
    redisRequests += 1;
    if (admitting) synchronousRedisRequests += 1;
  }
  return realFetch(input, init);
};

const newRedis = () =>
  new Redis({ url: endpoint.url, token: endpoint.token, enableTelemetry: false });
const pending = new Set<Promise<unknown>>();
const waitUntil = (promise: Promise<unknown>) => {
  const tracked = promise.finally(() => pending.delete(tracked));
  pending.add(tracked);
};
const drain = async () => {
  while (pending.size > 0) await Promise.all([...pending]);
};
const prefix = `bench:${randomUUID()}:`;
const isolate = (
  scope: string,
  extra: Partial<Parameters<typeof createBreaker>[0]> = {},
): Breaker =>
  createBreaker({
    scope,
    store: upstashBreakerStore(newRedis(), { prefix }),
    waitUntil,
    log: () => {},
    ...extra,
  });

const work = () => new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 1));

// 1. Per-call latency around a 1 ms call, one call at a time.
const ours = isolate('overhead');
await ours.refresh();
const opossum = new CircuitBreaker(work, {
  timeout: false,
  errorThresholdPercentage: 50,
  resetTimeout: 30_000,
});
const cockatiel = circuitBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: new ConsecutiveBreaker(5),
});
const scenarios: Array<[string, () => Promise<unknown>]> = [
  ['no breaker', work],
  ['edgemesh breaker (CLOSED, Redis-shared)', () => ours.execute(work)],
  ['opossum 9 (per process)', () => opossum.fire()],
  ['cockatiel 3 (per process)', () => cockatiel.execute(work)],
];
// Interleaved rounds, so drift (GC, the in-process REST endpoint serving flushes) hits all alike.
const roundsOfCalls = 5;
const perRound = Math.ceil(total / roundsOfCalls);
const samples = new Map<string, number[]>(scenarios.map(([name]) => [name, []]));
for (let round = 0; round < roundsOfCalls; round += 1) {
  for (const [name, task] of scenarios) {
    for (let i = 0; i < 20; i += 1) await task();
    for (let i = 0; i < perRound; i += 1) {
      const t0 = performance.now();
      await task();
      samples.get(name)!.push(performance.now() - t0);
    }
  }
}
await drain();
const stat = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  };
};
const baseline = stat(samples.get('no breaker')!);
const means = new Map<string, number>();
console.log(
  `per-call latency around a 1 ms call, ${perRound * roundsOfCalls} calls each, 1 in flight, interleaved`,
);
console.log(`${'scenario'.padEnd(44)}      p50      p95      p99     mean   p50 ratio  mean ratio`);
for (const [name, values] of samples) {
  const s = stat(values);
  means.set(name, s.p50);
  const ms = (v: number) => `${v.toFixed(3).padStart(8)}`;
  console.log(
    `${name.padEnd(44)} ${ms(s.p50)} ${ms(s.p95)} ${ms(s.p99)} ${ms(s.mean)}   ${(s.p50 / baseline.p50).toFixed(3)}x     ${(s.mean / baseline.mean).toFixed(3)}x`,
  );
}

// 2. Redis round trips per call on the hot path, steady traffic.
const counted = isolate('round-trips');
await counted.execute(work);
await drain();
redisRequests = 0;
synchronousRedisRequests = 0;
const hotCalls = 1000;
for (let i = 0; i < hotCalls; i += 1) {
  admitting = true;
  await counted.execute(async () => {
    admitting = false;
    return work();
  });
}
await drain();
console.log(
  `\nRedis round trips while CLOSED, ${hotCalls} calls: ${synchronousRedisRequests} synchronous (${(synchronousRedisRequests / hotCalls).toFixed(3)}/call), ` +
    `${redisRequests} in background flushes (${(redisRequests / hotCalls).toFixed(3)}/call)`,
);

// 3. Time for an OPEN decision made by one isolate to reach every other isolate.
console.log(
  `\nOPEN propagation to ${isolates} isolates (each its own client, calling every 10 ms), ${rounds} rounds`,
);
const propagation: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const scope = `propagation-${round}`;
  let openedAt = 0;
  const seenAt = new Map<number, number>();
  const group = Array.from({ length: isolates }, (_, i) =>
    isolate(scope, {
      minimumCalls: 5,
      onTransition: (t) => {
        if (t.to !== 'OPEN') return;
        if (i === 0 && t.source === 'local') openedAt = performance.now();
        else if (i !== 0) seenAt.set(i, performance.now());
      },
    }),
  );
  await Promise.all(group.map((b) => b.refresh()));
  let running = true;
  const traffic = group.slice(1).map(async (breaker) => {
    while (running) {
      await breaker.execute(work).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (let i = 0; i < 5; i += 1)
    await group[0]!.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  const limit = performance.now() + 10_000;
  while (seenAt.size < isolates - 1 && performance.now() < limit)
    await new Promise((r) => setTimeout(r, 5));
  running = false;
  await Promise.all(traffic);
  await drain();
  const slowest = Math.max(...seenAt.values()) - openedAt;
  propagation.push(seenAt.size === isolates - 1 ? slowest : Number.POSITIVE_INFINITY);
  console.log(
    `round ${round + 1}: every isolate OPEN after ${slowest.toFixed(0)} ms (${seenAt.size}/${isolates - 1} reached)`,
  );
}
propagation.sort((a, b) => a - b);
console.log(
  `propagation: median ${propagation[Math.floor(propagation.length / 2)]!.toFixed(0)} ms, worst ${propagation.at(-1)!.toFixed(0)} ms`,
);

console.log(
  `\ngoals: p50 latency ≤ 1.05x no breaker: ${(means.get('edgemesh breaker (CLOSED, Redis-shared)')! / baseline.p50).toFixed(3)}x; ` +
    `0 synchronous Redis calls per call while CLOSED: ${synchronousRedisRequests}; ` +
    `propagation ≤ 1000 ms: worst ${propagation.at(-1)!.toFixed(0)} ms (redis: ${backend.kind})`,
);
globalThis.fetch = realFetch;
await endpoint.close();
await backend.close();
process.exit(0);
