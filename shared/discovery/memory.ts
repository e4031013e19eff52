import type { Endpoint } from './endpoint.ts';
import type { LeaseRegistry } from './registry.ts';

/** In-memory lease registry; `now` is the clock (ms since the epoch), injectable for tests. */
export function memoryRegistry({ now = () => Date.now() }: { now?: () => number } = {}): LeaseRegistry {
  const services = new Map<string, Map<string, { endpoint: Endpoint; expiresAt: number }>>();
  const register = async (service: string, endpoint: Endpoint, leaseMs: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    const entries = services.get(service) ?? new Map();
    entries.set(endpoint.url, { endpoint: { url: endpoint.url, weight: endpoint.weight }, expiresAt: now() + leaseMs });
    services.set(service, entries);
  };
  return {
    async resolve(service, signal) {
      signal?.throwIfAborted();
      const t = now();
      return [...(services.get(service)?.values() ?? [])]
        .filter((entry) => entry.expiresAt > t)
        .map((entry) => entry.endpoint)
        .sort((a, b) => a.url.localeCompare(b.url));
    },
    register,
    refresh: register,
    async deregister(service, url, signal) {
      signal?.throwIfAborted();
      services.get(service)?.delete(url);
    },
  };
}
