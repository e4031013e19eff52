import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { parseEndpoint, type Endpoint } from './endpoint.ts';
import type { Registry } from './registry.ts';

/** Options of discovery through Consul's HTTP API. */
export interface ConsulRegistryOptions {
  /** Consul agent address, e.g. `http://127.0.0.1:8500`. */
  baseUrl: string;
  /** Sent as `X-Consul-Token` when set. */
  token?: string;
  /** Datacenter to query (`?dc=`). Default: the agent's. */
  datacenter?: string;
  /** Only instances carrying this tag (`?tag=`). */
  tag?: string;
  /** Scheme of the resolved endpoints. Default `http`. */
  scheme?: 'http' | 'https';
  /** The fetch to use (the runtime's). */
  fetch: typeof fetch;
}

interface ConsulEntry {
  Node?: { Address?: string };
  Service?: { Address?: string; Port?: number; Weights?: { Passing?: number } };
}

/**
 * Discovery through Consul's health API (`/v1/health/service/<name>?passing=true`): only
 * instances whose checks pass; the service address falls back to the node's; weight from
 * `Weights.Passing`.
 */
export function consulRegistry({
  baseUrl,
  token,
  datacenter,
  tag,
  scheme = 'http',
  fetch: fetchFn,
}: ConsulRegistryOptions): Registry {
  const base = parseEndpoint(baseUrl, 'consulRegistry baseUrl');
  return {
    async resolve(service, signal) {
      const url = new URL(`${base.url}/v1/health/service/${encodeURIComponent(service)}`);
      url.searchParams.set('passing', 'true');
      if (datacenter) url.searchParams.set('dc', datacenter);
      if (tag) url.searchParams.set('tag', tag);
      const response = await fetchFn(url, {
        headers: token ? { 'x-consul-token': token } : {},
        ...(signal ? { signal } : {}),
      });
      if (response.status === 404) return [];
      if (!response.ok) {
        throw new EdgeMeshError(
          'UPSTREAM',
          `Consul answered ${response.status} for service ${service}`,
        );
      }
      const entries = (await response.json()) as ConsulEntry[];
      return entries
        .flatMap((entry): Endpoint[] => {
          const address = entry.Service?.Address || entry.Node?.Address;
          const port = entry.Service?.Port;
          if (!address || !port) return [];
          const host = address.includes(':') ? `[${address}]` : address;
          return [
            parseEndpoint(
              `${scheme}://${host}:${port}`,
              'Consul entry',
              entry.Service?.Weights?.Passing || 1,
            ),
          ];
        })
        .sort((a, b) => a.url.localeCompare(b.url));
    },
  };
}
