import { EdgeMeshError } from '../../errors/edgemesh-error.ts';
import type { Endpoint } from '../../discovery/endpoint.ts';
import type { Balancer } from './balancer.ts';

/** FNV-1a, 32 bits: fast, stable across runtimes, good enough to spread ring points. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3 fmix32) so near-identical keys land far apart.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * Consistent hashing on `context.key` (e.g. a customer id) over a ring with `replicas` points per
 * endpoint (1–1,000, default 100), so removing an endpoint moves only its own keys.
 * Calls without a key go round robin.
 */
export function consistentHash({ replicas = 100 }: { replicas?: number } = {}): Balancer {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 1_000) {
    throw new EdgeMeshError('CONFIG', `consistentHash replicas must be 1 to 1000, got ${replicas}`);
  }
  let ringFor = '';
  let ring: Array<{ point: number; endpoint: Endpoint }> = [];
  let next = 0;
  return {
    pick(endpoints, context) {
      if (context?.key === undefined) return endpoints[next++ % endpoints.length]!;
      const id = endpoints.map((e) => e.url).join('\n');
      if (id !== ringFor) {
        ring = endpoints
          .flatMap((endpoint) =>
            Array.from({ length: replicas }, (_, i) => ({
              point: fnv1a(`${endpoint.url}#${i}`),
              endpoint,
            })),
          )
          .sort((a, b) => a.point - b.point);
        ringFor = id;
      }
      const point = fnv1a(context.key);
      let low = 0;
      let high = ring.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (ring[mid]!.point < point) low = mid + 1;
        else high = mid;
      }
      return (ring[low] ?? ring[0]!).endpoint;
    },
  };
}
