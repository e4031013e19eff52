import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { Endpoint } from './endpoint.ts';
import type { Registry } from './registry.ts';

/** Options of the per-isolate discovery cache. */
export interface CachedRegistryOptions {
  /** Answers younger than this are served without asking, ms (0–3,600,000). Default 5,000. */
  ttlMs?: number;
  /** When the registry fails, an answer up to this old is served instead, ms (≥ ttlMs). Default 60,000. */
  maxStaleMs?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * Caches each service's endpoints per isolate: an answer is at most `ttlMs` old, or at most
 * `maxStaleMs` old while the registry is failing. Concurrent misses share one lookup.
 */
export function cachedRegistry(
  inner: Registry,
  { ttlMs = 5_000, maxStaleMs = 60_000, now = () => Date.now() }: CachedRegistryOptions = {},
): Registry {
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > 3_600_000) {
    throw new EdgeMeshError('CONFIG', `cachedRegistry ttlMs must be 0 to 3600000, got ${ttlMs}`);
  }
  if (!Number.isFinite(maxStaleMs) || maxStaleMs < ttlMs) {
    throw new EdgeMeshError(
      'CONFIG',
      `cachedRegistry maxStaleMs must be at least ttlMs, got ${maxStaleMs}`,
    );
  }
  const entries = new Map<string, { endpoints: readonly Endpoint[]; at: number }>();
  const inflight = new Map<string, Promise<readonly Endpoint[]>>();
  return {
    async resolve(service, signal) {
      const entry = entries.get(service);
      if (entry && now() - entry.at < ttlMs) return entry.endpoints;
      let lookup = inflight.get(service);
      if (!lookup) {
        lookup = inner.resolve(service, signal).finally(() => inflight.delete(service));
        inflight.set(service, lookup);
      }
      try {
        const endpoints = await lookup;
        entries.set(service, { endpoints, at: now() });
        return endpoints;
      } catch (error) {
        if (entry && now() - entry.at < maxStaleMs && !signal?.aborted) return entry.endpoints;
        throw error;
      }
    },
    ...(inner.knows ? { knows: inner.knows.bind(inner) } : {}),
  };
}
