import { MultiRegionRatelimit, Ratelimit } from '@upstash/ratelimit';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deleteKeys, startRestTargets, uniquePrefix, type RestTarget } from './rest-targets.ts';

// The limiters read Date.now(); a fake Date moves time without waiting. Windows are 10 s so
// that real Redis, whose own clock expires the keys, never expires one during a test.
const WINDOW_MS = 10_000;
const LIMIT = 3;

const targets = await startRestTargets();
const prefixes: string[] = [];

afterAll(async () => {
  for (const target of [targets.embedded, targets.real]) {
    for (const prefix of prefixes) if (target) await deleteKeys(target.backend, prefix);
  }
  await targets.close();
});

let now = 0;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  // The start of a window, as fixed and sliding windows count them, well in the future.
  now = (Math.floor(Date.now() / WINDOW_MS) + 100) * WINDOW_MS;
  vi.setSystemTime(now);
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => {
  now += ms;
  vi.setSystemTime(now);
};

function limiterOn(target: RestTarget, limiter: Ratelimit['limiter'], cache = false) {
  const prefix = uniquePrefix('ratelimit');
  prefixes.push(prefix);
  return new Ratelimit({
    redis: target.redis,
    limiter,
    prefix,
    analytics: false,
    ephemeralCache: cache ? new Map() : false,
  });
}

/** success/remaining of n calls in a row, each awaited with its pending work. */
async function calls(limiter: Ratelimit, n: number, identifier = 'customer-1') {
  const results = [];
  for (let i = 0; i < n; i++) {
    const result = await limiter.limit(identifier);
    await result.pending;
    results.push(result);
  }
  return results;
}

const outcome = (results: { success: boolean; remaining: number }[]) =>
  results.map(({ success, remaining }) => `${success ? 'ok' : 'refused'}:${remaining}`);

const available = [
  targets.embedded,
  ...(targets.real ? [targets.real] : []),
] as const satisfies readonly RestTarget[];

describe.each(available)('@upstash/ratelimit through the REST endpoint on $name', (target) => {
  it('fixedWindow refuses the 4th request of a window and allows again in the next', async () => {
    const limiter = limiterOn(target, Ratelimit.fixedWindow(LIMIT, '10 s'));
    const first = await calls(limiter, LIMIT + 1);
    expect(outcome(first)).toEqual(['ok:2', 'ok:1', 'ok:0', 'refused:0']);
    for (const result of first) expect(result.reset).toBe(now + WINDOW_MS);
    expect(first.map((r) => r.limit)).toEqual([3, 3, 3, 3]);
    advance(WINDOW_MS);
    expect(outcome(await calls(limiter, 1))).toEqual(['ok:2']);
    expect(outcome(await calls(limiter, 1, 'customer-2'))).toEqual(['ok:2']);
  });

  it('slidingWindow refuses the 4th request and lets the previous window slide out', async () => {
    const limiter = limiterOn(target, Ratelimit.slidingWindow(LIMIT, '10 s'));
    const first = await calls(limiter, LIMIT + 1);
    expect(outcome(first)).toEqual(['ok:2', 'ok:1', 'ok:0', 'refused:0']);
    expect(first[3]?.reset).toBe(now + WINDOW_MS);
    advance(WINDOW_MS);
    // At the start of the next window the previous one still counts in full.
    expect(outcome(await calls(limiter, 1))).toEqual(['refused:0']);
    advance(WINDOW_MS / 2);
    // Half of it now: floor(3 × 0.5) = 1 counted, so one request more fits.
    expect(outcome(await calls(limiter, 2))).toEqual(['ok:1', 'ok:0']);
    advance(2 * WINDOW_MS);
    expect(outcome(await calls(limiter, 1))).toEqual(['ok:2']);
  });

  it('tokenBucket refuses when the bucket is empty and refills one token per interval', async () => {
    const limiter = limiterOn(target, Ratelimit.tokenBucket(1, '10 s', LIMIT));
    const first = await calls(limiter, LIMIT + 1);
    expect(outcome(first)).toEqual(['ok:2', 'ok:1', 'ok:0', 'refused:0']);
    expect(first[3]?.reset).toBe(now + WINDOW_MS);
    advance(WINDOW_MS);
    expect(outcome(await calls(limiter, 2))).toEqual(['ok:0', 'refused:0']);
    advance(LIMIT * WINDOW_MS);
    expect(outcome(await calls(limiter, 1))).toEqual(['ok:2']);
  });

  it('reports what is left with getRemaining and starts over after resetUsedTokens', async () => {
    const limiter = limiterOn(target, Ratelimit.slidingWindow(LIMIT, '10 s'));
    await calls(limiter, LIMIT);
    expect(await limiter.getRemaining('customer-1')).toMatchObject({ remaining: 0, limit: 3 });
    await limiter.resetUsedTokens('customer-1');
    expect(outcome(await calls(limiter, 1))).toEqual(['ok:2']);
  });

  it('blocks from its ephemeral cache once refused, without asking Redis', async () => {
    const limiter = limiterOn(target, Ratelimit.fixedWindow(LIMIT, '10 s'), true);
    await calls(limiter, LIMIT + 1);
    const before = target.commands.length;
    const [blocked] = await calls(limiter, 1);
    expect(blocked).toMatchObject({ success: false, reason: 'cacheBlock' });
    expect(target.commands.length).toBe(before);
  });

  it('cachedFixedWindow refuses the 4th request of a window and allows again in the next', async () => {
    const limiter = limiterOn(target, Ratelimit.cachedFixedWindow(LIMIT, '10 s'), true);
    const first = await calls(limiter, LIMIT + 2);
    expect(first.map((r) => r.success)).toEqual([true, true, true, false, false]);
    advance(WINDOW_MS + 1);
    expect((await calls(limiter, 1))[0]?.success).toBe(true);
  });

  it('runs its scripts by EVALSHA once the endpoint has seen them by EVAL', async () => {
    const limiter = limiterOn(target, Ratelimit.tokenBucket(1, '10 s', 100));
    await calls(limiter, 1);
    const start = target.commands.length;
    await calls(limiter, 5);
    expect(target.commands.slice(start)).toEqual(Array(5).fill('evalsha'));
  });
});

describe.skipIf(!targets.real)(
  targets.real
    ? 'MultiRegionRatelimit across the embedded engine and real Redis'
    : 'MultiRegionRatelimit across two engines (skipped: no real Redis available)',
  () => {
    it.each([
      ['fixedWindow', MultiRegionRatelimit.fixedWindow(LIMIT, '10 s')],
      ['slidingWindow', MultiRegionRatelimit.slidingWindow(LIMIT, '10 s')],
    ] as const)(
      '%s holds the limit across both regions once each call has synced',
      async (_, algorithm) => {
        const prefix = uniquePrefix('ratelimit-multi');
        prefixes.push(prefix);
        const limiter = new MultiRegionRatelimit({
          redis: [targets.embedded.redis, ...(targets.real ? [targets.real.redis] : [])],
          limiter: algorithm,
          prefix,
          analytics: false,
          ephemeralCache: false,
        });
        const results = [];
        for (let i = 0; i < LIMIT + 1; i++) {
          const result = await limiter.limit('customer-1');
          await result.pending;
          results.push(result.success);
        }
        expect(results).toEqual([true, true, true, false]);
        // MultiRegionRatelimit keeps an ephemeral cache even when told not to, and it blocks up
        // to and including the reset instant; two windows on, the sliding one has slid out too.
        advance(2 * WINDOW_MS + 1);
        expect((await limiter.limit('customer-1')).success).toBe(true);
      },
    );
  },
);
