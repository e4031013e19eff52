import type { Endpoint, FetcherLike } from './endpoint.ts';
import type { Registry } from './registry.ts';

/** Options of the service-binding registry. */
export interface BindingRegistryOptions {
  /** The binding's name for a service. Default: `inventory` → `INVENTORY`, `read-model` → `READ_MODEL`. */
  bindingName?: (service: string) => string;
}

function isFetcher(value: unknown): value is FetcherLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { fetch?: unknown }).fetch === 'function'
  );
}

/**
 * Discovery through Workers service bindings: a service whose binding exists in `env` resolves
 * to one endpoint whose requests go through the binding (no network hop).
 * @example fallbackRegistry([bindingRegistry(env), staticRegistry(vars)])
 */
export function bindingRegistry(
  env: Readonly<Record<string, unknown>>,
  {
    bindingName = (service) => service.toUpperCase().replaceAll('-', '_'),
  }: BindingRegistryOptions = {},
): Registry {
  const fetcherOf = (service: string): FetcherLike | undefined => {
    const binding = env[bindingName(service)];
    return isFetcher(binding) ? binding : undefined;
  };
  return {
    resolve(service, signal) {
      return Promise.resolve().then(() => {
        signal?.throwIfAborted();
        const fetcher = fetcherOf(service);
        if (!fetcher) return [];
        const endpoint: Endpoint = { url: `https://${service}.binding`, weight: 1, fetcher };
        return [endpoint];
      });
    },
    knows: (service) => fetcherOf(service) !== undefined,
  };
}
