import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../listen.ts';
import { hostPolicy } from './connection-target.ts';
import { createPoolRegistry } from './pool-registry.ts';
import { corsHeaders, createSqlOverHttpHandler } from './sql-over-http.ts';
import { createStatementCache } from './statement-cache.ts';
import { createWsProxy } from './ws-proxy.ts';

export interface NeonEndpointOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Postgres hosts clients may reach besides loopback, or `'*'` for any. */
  allowedHosts?: readonly string[] | '*';
  /** Connections per distinct `Neon-Connection-String`; default 20 (Neon pools far more). */
  poolSize?: number;
  /**
   * Prepare each `/sql` statement once per pooled connection instead of parsing it on every
   * request. Default true; a server that shares one session between connections (PGlite) is
   * detected on the first clash and served unnamed from then on, so false only saves that clash.
   */
  prepareStatements?: boolean;
  log?: (line: string) => void;
}

/** A running Neon-compatible endpoint: `POST /sql` plus the WebSocket proxy. */
export interface NeonEndpoint {
  readonly port: number;
  /** For `neonConfig.fetchEndpoint` / `NEON_FETCH_ENDPOINT`, e.g. `http://127.0.0.1:4444/sql`. */
  readonly fetchEndpoint: string;
  /** For `neonConfig.wsProxy` / `NEON_WS_PROXY`, e.g. `127.0.0.1:4444/v2`. */
  readonly wsProxy: string;
  /** Stops listening, terminates open WebSockets and ends the pg pools. */
  close(): Promise<void>;
}

/**
 * Serves Neon's SQL-over-HTTP and WebSocket protocols on one port, in front of any Postgres the
 * client's connection string names (loopback only unless `allowedHosts` says otherwise).
 * @example const neon = await startNeonEndpoint({ port: 4444 }); neonConfig.fetchEndpoint = neon.fetchEndpoint;
 */
export async function startNeonEndpoint({
  port = 0,
  host = '127.0.0.1',
  allowedHosts,
  poolSize,
  prepareStatements = true,
  log,
}: NeonEndpointOptions = {}): Promise<NeonEndpoint> {
  const isAllowedHost = hostPolicy(allowedHosts);
  const pools = createPoolRegistry({ max: poolSize });
  const statements = prepareStatements ? createStatementCache() : undefined;
  const handleSql = createSqlOverHttpHandler({ pools, isAllowedHost, statements });
  const proxy = createWsProxy({ isAllowedHost, log });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url === '/sql' ? req.url : new URL(req.url ?? '/', 'http://endpoint').pathname;
    if (path === '/sql' && req.method === 'POST') return void handleSql(req, res);
    if (path === '/sql' && req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders).end();
      return;
    }
    res.writeHead(path === '/sql' ? 405 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `${req.method} ${path} is not served here` }));
  });
  server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head));
  // Longer than the clients' own idle timeouts (undici: 4 s), so the client closes an idle
  // keep-alive connection first; when the server closes it, a request sent at that moment (e.g.
  // after the event loop was busy past both timeouts) meets ECONNRESET.
  server.keepAliveTimeout = 65_000;

  const bound = await listen(server, port, host, 'neon endpoint');
  // A wildcard bind is still reached through loopback.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const address = `${reachable.includes(':') ? `[${reachable}]` : reachable}:${bound}`;
  return {
    port: bound,
    fetchEndpoint: `http://${address}/sql`,
    wsProxy: `${address}/v2`,
    async close() {
      await proxy.close();
      await closeServer(server);
      await pools.end();
    },
  };
}
