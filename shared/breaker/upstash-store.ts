import type { Redis } from '@upstash/redis';
import type { BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';
import { pruneWindow, type TimedOutcome, type TimeWindow, type WindowState } from './window.ts';

/** Options of the Upstash Redis breaker store. */
export interface UpstashBreakerStoreOptions {
  /** Key prefix. Default `edgemesh:breaker:`. */
  prefix?: string;
  /** How long states are kept after their last transition, ms. Default 7 days. */
  stateTtlMs?: number;
  /** How long a count window is kept after its last write, ms. Default 1 day. */
  windowTtlMs?: number;
}

const scanWidth = 8;

/** Appends outcomes to a count window's list, keeps its last `size`, and returns the window. */
async function recordCountWindow(
  redis: Redis,
  windowKey: string,
  outcomes: readonly TimedOutcome[],
  size: number,
  windowTtlMs: number,
): Promise<WindowState> {
  const tx = redis.multi();
  if (outcomes.length > 0) {
    tx.rpush(windowKey, ...outcomes.map((o) => o.code));
    tx.ltrim(windowKey, -size, -1);
    tx.pexpire(windowKey, windowTtlMs);
  }
  tx.lrange(windowKey, 0, -1);
  const results = await tx.exec<unknown[]>();
  const codes = results.at(-1) as string[];
  return { type: 'count', codes: codes.join('') };
}

/** Adds outcomes to a time window's per-second hash fields, drops buckets older than `size` s. */
async function recordTimeWindow(
  redis: Redis,
  windowKey: string,
  outcomes: readonly TimedOutcome[],
  size: number,
  now: number,
): Promise<WindowState> {
  const increments = new Map<string, number>();
  const add = (field: string) => increments.set(field, (increments.get(field) ?? 0) + 1);
  for (const { code, at } of outcomes) {
    const second = Math.floor(at / 1000);
    add(`${second}:c`);
    if (code === 'f' || code === 'F') add(`${second}:f`);
    if (code === 'S' || code === 'F') add(`${second}:s`);
  }
  const tx = redis.multi();
  for (const [field, by] of increments) tx.hincrby(windowKey, field, by);
  if (increments.size > 0) tx.pexpire(windowKey, (size + 60) * 1000);
  tx.hgetall(windowKey);
  const results = await tx.exec<unknown[]>();
  const fields = (results.at(-1) ?? {}) as Record<string, number | string> | null;
  const buckets = new Map<number, [number, number, number, number]>();
  for (const [field, value] of Object.entries(fields ?? {})) {
    const [second, kind] = field.split(':');
    const bucketSecond = Number(second);
    const bucket = buckets.get(bucketSecond) ?? [bucketSecond, 0, 0, 0];
    const index = kind === 'c' ? 1 : kind === 'f' ? 2 : 3;
    bucket[index] = Number(value);
    buckets.set(bucketSecond, bucket);
  }
  const window = pruneWindow(
    { type: 'time', buckets: [...buckets.values()] },
    size,
    now,
  ) as TimeWindow;
  const kept = new Set(window.buckets.map((b) => b[0]));
  const stale = Object.keys(fields ?? {}).filter((f) => !kept.has(Number(f.split(':')[0])));
  if (stale.length > 0) await redis.hdel(windowKey, ...stale);
  return window satisfies WindowState;
}

/**
 * The newest state of `scope`: scans `scanWidth` epochs a round trip upward from the hint,
 * jumping to `head` when it is further on; undefined when the breaker was never written.
 */
async function loadNewest(
  redis: Redis,
  key: (scope: string, ...parts: Array<string | number>) => string,
  hints: Map<string, number>,
  scope: string,
  signal?: AbortSignal,
): Promise<BreakerState | undefined> {
  let from = hints.get(scope) ?? 0;
  for (;;) {
    signal?.throwIfAborted();
    const slots = Array.from({ length: scanWidth }, (_, i) => key(scope, 's', from + i));
    const [head, states] = await redis
      .pipeline()
      .get<number>(key(scope, 'head'))
      .mget<Array<BreakerState | null>>(...slots)
      .exec<[number | null, Array<BreakerState | null>]>();
    const headEpoch = Number(head ?? 0);
    if (headEpoch >= from + scanWidth) {
      from = headEpoch;
      continue;
    }
    let newest: BreakerState | undefined;
    for (const state of states) if (state) newest = state;
    if (newest && states[scanWidth - 1]) {
      from = newest.epoch;
      continue;
    }
    if (newest) {
      hints.set(scope, newest.epoch);
      return newest;
    }
    if (headEpoch > 0) {
      // Every state expired but the hint: carry on from that epoch, CLOSED.
      hints.set(scope, headEpoch);
      return {
        kind: 'CLOSED',
        epoch: headEpoch,
        since: 0,
        opens: 0,
        window: { type: 'count', codes: '' },
      };
    }
    hints.delete(scope);
    return undefined;
  }
}

/**
 * BreakerStore on Redis through `@upstash/redis`, using only SET NX / MGET / RPUSH / LTRIM /
 * INCR / HINCRBY (no Lua), so it also runs on the devstack's embedded engine.
 *
 * Each state lives in its own key `s:<epoch>`, created with `SET NX`: the first isolate to
 * write epoch e + 1 wins that transition and every other attempt fails. `head` is a hint of the
 * newest epoch; readers scan upward from it. @upstash/redis has no per-command AbortSignal,
 * so the signal is checked before every round trip.
 */
export function upstashBreakerStore(
  redis: Redis,
  {
    prefix = 'edgemesh:breaker:',
    stateTtlMs = 7 * 86_400_000,
    windowTtlMs = 86_400_000,
  }: UpstashBreakerStoreOptions = {},
): BreakerStore {
  // A per-isolate cache of the newest epoch seen, so a load is one round trip in the usual case.
  const hints = new Map<string, number>();
  const key = (scope: string, ...parts: Array<string | number>) =>
    `${prefix}{${scope}}:${parts.join(':')}`;

  return {
    load: (scope, signal) => loadNewest(redis, key, hints, scope, signal),
    async transition(scope, next, signal) {
      signal?.throwIfAborted();
      const [won] = await redis
        .pipeline()
        .set(key(scope, 's', next.epoch), JSON.stringify(next), { nx: true, px: stateTtlMs })
        .set(key(scope, 'head'), next.epoch, { px: stateTtlMs })
        .exec<[string | null, string]>();
      hints.set(scope, Math.max(hints.get(scope) ?? 0, next.epoch));
      return won === 'OK';
    },
    async record(scope, epoch, outcomes, spec, now, signal) {
      signal?.throwIfAborted();
      const windowKey = key(scope, 'w', epoch);
      return spec.type === 'count'
        ? recordCountWindow(redis, windowKey, outcomes, spec.size, windowTtlMs)
        : recordTimeWindow(redis, windowKey, outcomes, spec.size, now);
    },
    async acquireProbe(scope, epoch, budget, leaseMs, signal) {
      signal?.throwIfAborted();
      const probeKey = key(scope, 'p', epoch);
      const [granted] = await redis
        .multi()
        .incr(probeKey)
        .pexpire(probeKey, Math.max(leaseMs, 60_000) * 2)
        .exec<[number, number]>();
      return granted <= budget;
    },
    async recordProbe(scope, epoch, code, leaseMs, signal) {
      signal?.throwIfAborted();
      const resultKey = key(scope, 'r', epoch);
      const [, codes] = await redis
        .multi()
        .rpush(resultKey, code)
        .lrange(resultKey, 0, -1)
        .pexpire(resultKey, Math.max(leaseMs, 60_000) * 2)
        .exec<[number, string[], number]>();
      return codes.join('');
    },
  };
}
