import type { Endpoint } from './endpoint.ts';
import type { LeaseRegistry } from './registry.ts';

/** In-memory lease registry; `now` is the clock (ms since the epoch), injectable for tests. */
export function memoryRegistry({
  now = () => Date.now(),
}: { now?: () => number } = {}): LeaseRegistry {
  const services = new Map<string, Map<string, { endpoint: Endpoint; expiresAt: number }>>();
  const later = <T>(fn: () => T): Promise<T> => Promise.resolve().then(fn);
  const register = (service: string, endpoint: Endpoint, leaseMs: number, signal?: AbortSignal) =>
    later(() => {
      signal?.throwIfAborted();
      const entries =
        services.get(service) ?? new Map<string, { endpoint: Endpoint; expiresAt: number }>();
      entries.set(endpoint.url, {
        endpoint: { url: endpoint.url, weight: endpoint.weight },
        expiresAt: now() + leaseMs,
      });
      services.set(service, entries);
    });
  return {
    resolve: (service, signal) =>
      later(() => {
        signal?.throwIfAborted();
        const t = now();
        return [...(services.get(service)?.values() ?? [])]
          .filter((entry) => entry.expiresAt > t)
          .map((entry) => entry.endpoint)
          .sort((a, b) => a.url.localeCompare(b.url));
      }),
    register,
    refresh: register,
    deregister: (service, url, signal) =>
      later(() => {
        signal?.throwIfAborted();
        services.get(service)?.delete(url);
      }),
  };
}
