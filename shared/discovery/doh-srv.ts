import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { parseEndpoint, type Endpoint } from './endpoint.ts';
import type { Registry } from './registry.ts';

/** Options of DNS SRV discovery over DNS-over-HTTPS (JSON API). */
export interface DohSrvRegistryOptions {
  /** The resolver's JSON endpoint, e.g. `https://cloudflare-dns.com/dns-query`. */
  resolverUrl: string;
  /** The SRV name of a service. Default `_http._tcp.<service>`. */
  recordName?: (service: string) => string;
  /** Scheme of the resolved endpoints. Default `https`. */
  scheme?: 'http' | 'https';
  /** The fetch to use (the runtime's). */
  fetch: typeof fetch;
}

interface DohAnswer {
  name?: string;
  type: number;
  TTL?: number;
  data: string;
}

const srvType = 33;

/**
 * Discovery by DNS SRV records over DoH JSON (`?name=…&type=SRV`, `application/dns-json`).
 * Records of the lowest priority are returned, weighted by their SRV weight (0 counts as 1).
 * A DNS failure (status ≠ 0 other than NXDOMAIN) is an UPSTREAM error.
 */
export function dohSrvRegistry({
  resolverUrl,
  recordName = (service) => `_http._tcp.${service}`,
  scheme = 'https',
  fetch: fetchFn,
}: DohSrvRegistryOptions): Registry {
  const resolver = parseEndpoint(resolverUrl, 'dohSrvRegistry resolverUrl');
  return {
    async resolve(service, signal) {
      const url = new URL(resolver.url);
      url.searchParams.set('name', recordName(service));
      url.searchParams.set('type', 'SRV');
      const response = await fetchFn(url, {
        headers: { accept: 'application/dns-json' },
        ...(signal ? { signal } : {}),
      });
      if (!response.ok) {
        throw new EdgeMeshError(
          'UPSTREAM',
          `DoH resolver answered ${response.status} for ${recordName(service)}`,
        );
      }
      const body = (await response.json()) as { Status: number; Answer?: DohAnswer[] };
      if (body.Status === 3) return [];
      if (body.Status !== 0) {
        throw new EdgeMeshError(
          'UPSTREAM',
          `DoH resolver status ${body.Status} for ${recordName(service)}`,
        );
      }
      const records = (body.Answer ?? [])
        .filter((answer) => answer.type === srvType)
        .map((answer) => {
          const [priority, weight, port, target] = answer.data.trim().split(/\s+/);
          return {
            priority: Number(priority),
            weight: Number(weight),
            port: Number(port),
            target: (target ?? '').replace(/\.$/, ''),
          };
        })
        .filter(
          (r) => r.target.length > 0 && r.target !== '.' && Number.isInteger(r.port) && r.port > 0,
        );
      if (records.length === 0) return [];
      const best = Math.min(...records.map((r) => r.priority));
      return records
        .filter((r) => r.priority === best)
        .map((r): Endpoint =>
          parseEndpoint(`${scheme}://${r.target}:${r.port}`, 'SRV record', Math.max(1, r.weight)),
        )
        .sort((a, b) => a.url.localeCompare(b.url));
    },
  };
}
