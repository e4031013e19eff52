import { EdgeMeshError } from '../../shared/errors/index.ts';

/** Where and as whom to connect, taken from a postgres:// URL. */
export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly applicationName: string | undefined;
}

/** Decides whether the endpoint may open a connection to a host. */
export type HostPolicy = (host: string) => boolean;

const defaultPort = 5432;

/**
 * Parses the `Neon-Connection-String` header. TLS parameters such as `sslmode` are ignored: the
 * endpoint talks plain TCP to a local server, as Neon's proxy talks to its own compute.
 */
export function parseConnectionString(value: string | undefined): PgTarget {
  if (!value) throw invalid('missing Neon-Connection-String header');
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw invalid('Neon-Connection-String is not a URL', error);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid('Neon-Connection-String must start with postgres:// or postgresql://');
  }
  const host = unbracket(url.hostname);
  if (!host) throw invalid('Neon-Connection-String has no host');
  const user = decodeURIComponent(url.username);
  if (!user) throw invalid('Neon-Connection-String has no user');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host,
    port: url.port ? Number(url.port) : defaultPort,
    user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: database || user,
    applicationName: url.searchParams.get('application_name') ?? undefined,
  };
}

/** Parses the WebSocket proxy's `address=host:port` (IPv6 in brackets). */
export function parseAddress(value: string | null): { host: string; port: number } {
  const match = value ? /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value) : null;
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw invalid(`address must be host:port, got ${JSON.stringify(value)}`);
  }
  return { host: match[1], port };
}

/** True for localhost and the IPv4/IPv6 loopback addresses. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  return (
    bare === 'localhost' ||
    bare.endsWith('.localhost') ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}

/**
 * Loopback hosts only by default; `'*'` allows any host, a list allows those hosts as well.
 * @example hostPolicy(['db.localtest.me'])
 */
export function hostPolicy(allowedHosts?: readonly string[] | '*'): HostPolicy {
  if (allowedHosts === '*') return () => true;
  const extra = new Set((allowedHosts ?? []).map((host) => unbracket(host).toLowerCase()));
  return (host) => isLoopbackHost(host) || extra.has(unbracket(host).toLowerCase());
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function invalid(message: string, cause?: unknown): EdgeMeshError {
  return new EdgeMeshError('VALIDATION', message, { cause });
}
