import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import type { Context, MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../errors/index.ts';

/** Whether one call may pass, and what is left of its window. */
export interface LimitVerdict {
  readonly success: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When the window frees a call again, ms since the epoch. */
  readonly reset: number;
}

/** A sliding-window limiter: one call per `limit()`, counted against `key`. */
export interface RateLimiter {
  limit(key: string): Promise<LimitVerdict>;
}

/** One rate limit of a route: `limit` calls per `windowMs`, counted per key. */
export interface RateLimitRule {
  /** Names the limit in headers, metrics and `EDGEMESH_RATE_LIMITS`, e.g. `orders-per-customer`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /** What is counted: the client address, or a key read from the request (e.g. the customer). */
  readonly by: 'address' | ((c: Context) => Promise<string | undefined> | string | undefined);
}

/** A limiter per rule: Upstash's sliding window on Redis, or one in memory (tests, no Redis). */
export type LimiterFactory = (rule: RateLimitRule, prefix: string) => RateLimiter;

/**
 * `@upstash/ratelimit`'s sliding window over the function's Redis. A call that cannot reach Redis
 * within 1 s passes: a Redis outage must not stop orders, and the limits are a guard against
 * floods, not an accounting.
 */
export function upstashLimiters(redis: Redis): LimiterFactory {
  return (rule, prefix) => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowMs} ms`),
      prefix,
      analytics: false,
      timeout: 1000,
    });
    return { limit: (key) => limiter.limit(key) };
  };
}

/**
 * A sliding window in this isolate's memory (weighted previous window, as Upstash's). Limiters
 * made with one prefix share their counts, as they do in Redis, so a changed limit keeps counting.
 */
export function memoryLimiters(now: () => number = () => Date.now()): LimiterFactory {
  type Window = { start: number; current: number; previous: number };
  const byPrefix = new Map<string, Map<string, Window>>();
  return (rule, prefix) => {
    let windows = byPrefix.get(prefix);
    if (!windows) {
      windows = new Map<string, Window>();
      byPrefix.set(prefix, windows);
    }
    const counts = windows;
    return {
      limit(key) {
        const at = now();
        const start = Math.floor(at / rule.windowMs) * rule.windowMs;
        let entry = counts.get(key) ?? { start, current: 0, previous: 0 };
        if (entry.start !== start) {
          const previous = entry.start === start - rule.windowMs ? entry.current : 0;
          entry = { start, current: 0, previous };
        }
        const weight = 1 - (at - start) / rule.windowMs;
        const used = Math.floor(entry.previous * weight) + entry.current;
        const success = used < rule.limit;
        if (success) entry.current += 1;
        counts.set(key, entry);
        const remaining = Math.max(0, rule.limit - used - (success ? 1 : 0));
        return Promise.resolve({
          success,
          limit: rule.limit,
          remaining,
          reset: start + rule.windowMs,
        });
      },
    };
  };
}

/**
 * The client's address as the platform reports it (`CF-Connecting-IP` on Workers, the first
 * `X-Forwarded-For` behind a proxy such as Deno Deploy's); undefined when none does, and then a
 * per-address limit does not count the call.
 */
export function clientAddress(c: Context): string | undefined {
  return (
    c.req.header('cf-connecting-ip') ??
    c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ??
    c.req.header('x-real-ip')
  );
}

/** A key read from the JSON body's `field` (the body stays readable for the validators). */
export function bodyField(field: string): (c: Context) => Promise<string | undefined> {
  return async (c) => {
    try {
      const body = await c.req.json<Record<string, unknown> | null>();
      const value = body?.[field];
      return typeof value === 'string' && value.length <= 256 ? value : undefined;
    } catch {
      return undefined;
    }
  };
}

export interface RateLimitOptions {
  service: string;
  route: string;
  /** The limiter of a rule in force (one per limit and window, counting in the same keys). */
  limiterOf: (rule: RateLimitRule) => RateLimiter;
  onLimited: (rule: string) => void;
  onError: (rule: string, error: unknown) => void;
}

/**
 * Counts a call against the rule in force (read per call: a changed limit applies to the next
 * call); over the limit answers 429 problem+json with `Retry-After` and
 * `RateLimit`/`RateLimit-Policy` headers (draft-ietf-httpapi-ratelimit-headers). A limiter that
 * fails lets the call through (counted).
 */
export function rateLimit(
  ruleNow: () => RateLimitRule,
  { limiterOf, onLimited, onError }: RateLimitOptions,
): MiddlewareHandler {
  return async function limitRate(c, next) {
    const rule = ruleNow();
    const limiter = limiterOf(rule);
    const windowSeconds = Math.ceil(rule.windowMs / 1000);
    const key = rule.by === 'address' ? clientAddress(c) : await rule.by(c);
    if (key === undefined) return next();
    let verdict: LimitVerdict;
    try {
      verdict = await limiter.limit(key);
    } catch (error) {
      onError(rule.name, error);
      return next();
    }
    const resetSeconds = Math.max(0, Math.ceil((verdict.reset - Date.now()) / 1000));
    const headers = {
      'RateLimit-Policy': `"${rule.name}";q=${verdict.limit};w=${windowSeconds}`,
      RateLimit: `"${rule.name}";r=${verdict.remaining};t=${resetSeconds}`,
    };
    if (!verdict.success) {
      onLimited(rule.name);
      throw new EdgeMeshError(
        'RATE_LIMITED',
        `Too many requests: ${rule.name} allows ${verdict.limit} per ${windowSeconds} s.`,
        {
          headers: { ...headers, 'Retry-After': String(Math.max(1, resetSeconds)) },
          extensions: { limit: rule.name },
        },
      );
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
