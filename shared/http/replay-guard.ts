/** Remembers ids for a while: a second claim of the same id inside its lifetime is refused. */
export interface ReplayGuard {
  /** True the first time `id` is claimed within `ttlMs`, false after. */
  claim(id: string, ttlMs: number): Promise<boolean>;
}

/** A replay guard in this isolate's memory, for tests and single-process hosts. */
export function memoryReplayGuard(now: () => number = () => Date.now()): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    claim(id, ttlMs) {
      const at = now();
      for (const [key, until] of seen) if (until <= at) seen.delete(key);
      if (seen.has(id)) return Promise.resolve(false);
      seen.set(id, at + ttlMs);
      return Promise.resolve(true);
    },
  };
}

/** The part of `@upstash/redis` a Redis replay guard uses. */
export interface ReplayRedis {
  set(key: string, value: string, options: { nx: true; px: number }): Promise<unknown>;
}

export interface RedisReplayGuardOptions {
  /** Key prefix. Default `edgemesh:seen:`. */
  prefix?: string;
  /** Called when Redis cannot be reached; the claim then passes (see below). */
  onUnavailable?: (error: unknown) => void;
}

/**
 * A replay guard shared by every isolate through Redis (`SET NX PX`, one round trip). When Redis
 * is unreachable the claim passes: the signature and its time window still hold, and requests
 * between services keep flowing during a Redis outage.
 */
export function redisReplayGuard(
  redis: ReplayRedis,
  { prefix = 'edgemesh:seen:', onUnavailable }: RedisReplayGuardOptions = {},
): ReplayGuard {
  return {
    async claim(id, ttlMs) {
      try {
        return (await redis.set(`${prefix}${id}`, '1', { nx: true, px: ttlMs })) !== null;
      } catch (error) {
        onUnavailable?.(error);
        return true;
      }
    },
  };
}
