import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** What a Workers service binding offers: a fetch that reaches the bound Worker without a network hop. */
export interface FetcherLike {
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

/** One instance of a service. */
export interface Endpoint {
  /** Origin (and optional base path) the service is reached at, e.g. `https://inventory.example`. */
  readonly url: string;
  /** Relative share of traffic for weighted balancers, > 0. Default 1. */
  readonly weight: number;
  /** A service binding to send requests through instead of the network. */
  readonly fetcher?: FetcherLike;
}

/** A service name: lower-case letters, digits and dashes, starting with a letter. */
export const serviceNamePattern = /^[a-z][a-z0-9-]{0,62}$/;

/** Throws CONFIG unless `service` is a valid service name. */
export function assertServiceName(service: string): void {
  if (typeof service !== 'string' || !serviceNamePattern.test(service)) {
    throw new EdgeMeshError(
      'CONFIG',
      `invalid service name "${String(service)}" (expected lower-case letters, digits and dashes)`,
    );
  }
}

/** Parses an http(s) endpoint URL (no query or fragment); throws CONFIG naming `source` otherwise. */
export function parseEndpoint(raw: string, source: string, weight = 1): Endpoint {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw new EdgeMeshError('CONFIG', `${source}: "${raw}" is not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EdgeMeshError('CONFIG', `${source}: "${raw}" is not an http(s) URL`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new EdgeMeshError(
      'CONFIG',
      `${source}: "${raw}" must not carry a query, fragment or credentials`,
    );
  }
  if (!Number.isFinite(weight) || weight <= 0) {
    throw new EdgeMeshError('CONFIG', `${source}: weight of "${raw}" must be a positive number`);
  }
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, weight };
}
