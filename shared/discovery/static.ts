import type { Env } from '../runtime/runtime.ts';
import { parseEndpoint, type Endpoint } from './endpoint.ts';
import type { Registry } from './registry.ts';

const variablePattern = /^SERVICE_([A-Z][A-Z0-9_]*)_URL$/;

/** `SERVICE_<NAME>_URL` for a service name (`read-model` → `SERVICE_READ_MODEL_URL`). */
export function serviceUrlVariable(service: string): string {
  return `SERVICE_${service.toUpperCase().replaceAll('-', '_')}_URL`;
}

/** The service a `SERVICE_<NAME>_URL` variable names (`SERVICE_READ_MODEL_URL` → `read-model`). */
export function serviceOfVariable(variable: string): string | undefined {
  return variablePattern.exec(variable)?.[1]?.toLowerCase().replaceAll('_', '-');
}

function parseList(variable: string, value: string): Endpoint[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const [url = '', ...params] = item.split(';');
      const weightParam = params.find((p) => p.trim().startsWith('weight='));
      const weight = weightParam ? Number(weightParam.trim().slice('weight='.length)) : 1;
      return parseEndpoint(url, variable, weight);
    });
}

/**
 * Static discovery from `SERVICE_<NAME>_URL` variables: comma-separated endpoint URLs, each
 * optionally `;weight=N`. Every URL is parsed at construction; a malformed one throws CONFIG.
 * @example staticRegistry({ SERVICE_INVENTORY_URL: 'https://a.example,https://b.example;weight=2' })
 */
export function staticRegistry(env: Env): Registry {
  const services = new Map<string, readonly Endpoint[]>();
  for (const [name, value] of Object.entries(env)) {
    const service = serviceOfVariable(name);
    if (service === undefined || value === undefined) continue;
    services.set(service, Object.freeze(parseList(name, value)));
  }
  return {
    resolve(service, signal) {
      return Promise.resolve().then(() => {
        signal?.throwIfAborted();
        return services.get(service) ?? [];
      });
    },
    knows: (service) => services.has(service),
  };
}

/**
 * The first endpoint URL `SERVICE_<NAME>_URL` lists for `service` (normalised, no trailing
 * slash), e.g. the address QStash reaches a function at; undefined when unset.
 */
export function firstServiceUrl(env: Env, service: string): string | undefined {
  const variable = serviceUrlVariable(service);
  const value = env[variable];
  return value ? parseList(variable, value)[0]?.url : undefined;
}

/** Base URLs by service name from `SERVICE_<NAME>_URL` (`SERVICE_ORDERS_URL` → `orders`). */
export function serviceUrlsFromEnv(env: Env): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const service = serviceOfVariable(name);
    if (service && value) urls[service] = value;
  }
  return urls;
}
