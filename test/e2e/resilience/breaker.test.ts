// Several isolates (separate workerd processes) share one breaker through the devstack's Redis.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { upstashBreakerStore } from '../../../shared/breaker/upstash-store.ts';
import { createRedis } from '../../../shared/redis/upstash.ts';
import { startCallee, startFixtureWorker, type Callee } from '../../fixtures/resilience/start.ts';

const vars = inject('devstackVars');
const prefix = `e2e-breaker-${randomUUID()}:`;
const store = upstashBreakerStore(
  createRedis({
    UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
    UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
  }),
  { prefix },
);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

interface CallResult {
  status: number;
  code?: string;
}

async function call(worker: RunningFunction): Promise<CallResult> {
  const response = await fetch(`${worker.url}/call`);
  const body = (await response.json()) as { status?: number; code?: string };
  return response.status === 200
    ? { status: body.status! }
    : { status: response.status, code: body.code! };
}

describe('a breaker shared by isolates in separate workerd processes', () => {
  let callee: Callee;
  let workers: RunningFunction[] = [];

  beforeAll(async () => {
    callee = await startCallee();
    const env = {
      ...vars,
      SERVICE_CALLEE_URL: callee.url,
      BREAKER_PREFIX: prefix,
      BREAKER_MIN_CALLS: '5',
      BREAKER_WAIT_MS: '1500',
      BREAKER_PROBES: '2',
    };
    workers = await Promise.all([
      startFixtureWorker(env),
      startFixtureWorker(env),
      startFixtureWorker(env),
    ]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await callee?.stop();
  });

  it('opens for every isolate within the staleness bound after failures seen by one', async () => {
    const [a, b, c] = workers as [RunningFunction, RunningFunction, RunningFunction];
    expect(await call(b)).toEqual({ status: 200 });
    expect(await call(c)).toEqual({ status: 200 });
    callee.mode = 'fail';
    // The window is shared, so b's and c's successes count too: it opens after 3 to 5 failures.
    const seen: CallResult[] = [];
    while (seen.length < 10 && seen.at(-1)?.code !== 'CIRCUIT_OPEN') seen.push(await call(a));
    expect(seen.at(-1)).toEqual({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(seen.slice(0, -1).every((r) => r.status === 500)).toBe(true);
    expect(seen.length - 1).toBeGreaterThanOrEqual(3);
    await until(async () => (await store.load('callee'))?.kind === 'OPEN', 'OPEN in Redis');
    await sleep(1_000); // the staleness bound
    const hitsBefore = callee.hits;
    expect(await call(b)).toEqual({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(await call(c)).toEqual({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(callee.hits).toBe(hitsBefore);
  });

  it('lets no more probes through than the budget while many isolates call at once in HALF_OPEN', async () => {
    const open = await store.load('callee');
    expect(open?.kind).toBe('OPEN');
    await sleep(Math.max(0, (open as { until: number }).until - Date.now()) + 100);
    callee.mode = 'ok';
    callee.delayMs = 300;
    const hitsBefore = callee.hits;
    const results = await Promise.all(
      workers.flatMap((w) => Array.from({ length: 6 }, () => call(w))),
    );
    callee.delayMs = 0;
    expect(callee.hits - hitsBefore).toBe(2);
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.code === 'CIRCUIT_OPEN')).toHaveLength(16);
  });

  it('closes for every isolate once the recovered service answers the probes', async () => {
    await until(async () => (await store.load('callee'))?.kind === 'CLOSED', 'CLOSED in Redis');
    await sleep(1_000);
    for (const worker of workers) expect(await call(worker)).toEqual({ status: 200 });
  });
});
