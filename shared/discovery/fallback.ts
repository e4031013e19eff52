import type { Registry } from './registry.ts';

/**
 * Asks each registry in turn and returns the first non-empty answer, so a service binding wins
 * over `SERVICE_<NAME>_URL` when both exist.
 */
export function fallbackRegistry(registries: readonly Registry[]): Registry {
  const static_ = registries.every((registry) => registry.knows !== undefined);
  return {
    async resolve(service, signal) {
      for (const registry of registries) {
        if (registry.knows && !registry.knows(service)) continue;
        const endpoints = await registry.resolve(service, signal);
        if (endpoints.length > 0) return endpoints;
      }
      return [];
    },
    ...(static_ ? { knows: (service: string) => registries.some((r) => r.knows?.(service)) } : {}),
  };
}
