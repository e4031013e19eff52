import type { Redis } from '@upstash/redis';
import type { Endpoint } from './endpoint.ts';
import type { LeaseRegistry } from './registry.ts';

/** Options of the Redis lease registry. */
export interface UpstashRegistryOptions {
  /** Key prefix. Default `edgemesh:registry:`. */
  prefix?: string;
  /** Clock, ms since the epoch; leases compare against it, so isolates' clocks must roughly agree. Default `Date.now`. */
  now?: () => number;
}

/**
 * Service registry in Redis: a sorted set per service scored by lease expiry (ms since the
 * epoch), and a hash of weights. Only endpoints whose lease has not lapsed are returned.
 * Functions refresh their lease from a QStash schedule or on deploy, not from timers.
 */
export function upstashRegistry(
  redis: Redis,
  { prefix = 'edgemesh:registry:', now = () => Date.now() }: UpstashRegistryOptions = {},
): LeaseRegistry {
  const leases = (service: string) => `${prefix}{${service}}:leases`;
  const weights = (service: string) => `${prefix}{${service}}:weights`;
  const register = async (
    service: string,
    endpoint: Endpoint,
    leaseMs: number,
    signal?: AbortSignal,
  ) => {
    signal?.throwIfAborted();
    const expiresAt = now() + leaseMs;
    await redis
      .multi()
      .zadd(leases(service), { score: expiresAt, member: endpoint.url })
      .hset(weights(service), { [endpoint.url]: String(endpoint.weight) })
      .exec();
  };
  return {
    async resolve(service, signal) {
      signal?.throwIfAborted();
      const t = now();
      const [, urls, weightMap] = await redis
        .pipeline()
        .zremrangebyscore(leases(service), '-inf', t)
        .zrange(leases(service), `(${t}`, '+inf', { byScore: true })
        .hgetall(weights(service))
        .exec<[number, string[], Record<string, unknown> | null]>();
      return urls
        .map((url) => ({ url: String(url), weight: Number(weightMap?.[String(url)] ?? 1) || 1 }))
        .sort((a, b) => a.url.localeCompare(b.url));
    },
    register,
    refresh: register,
    async deregister(service, url, signal) {
      signal?.throwIfAborted();
      await redis.multi().zrem(leases(service), url).hdel(weights(service), url).exec();
    },
  };
}
