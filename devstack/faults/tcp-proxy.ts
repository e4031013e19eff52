import { createServer } from 'node:net';
import { listen } from '../listen.ts';
import { isOff, parseTcpFaults, type TcpFaults } from './tcp-faults.ts';
import { acceptConnection, forget, reset, type ProxyCore } from './tcp-proxy-links.ts';

export interface TcpFaultProxyOptions {
  /** What the proxy is in front of, e.g. `postgres`; names it in the control API. */
  name: string;
  /** Where connections are forwarded. */
  target: { host: string; port: number };
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  log?: (line: string) => void;
}

/** Counters of a proxy since it started. */
export interface TcpProxyStats {
  /** Connections open now. */
  open: number;
  accepted: number;
  /** Connections closed with a RST by the `reset` or `blackhole` faults. */
  reset: number;
  /** Connections accepted under `blackhole`, never forwarded. */
  blackholed: number;
  bytesUpstream: number;
  bytesDownstream: number;
  bytesDropped: number;
}

/** What `GET /faults/<name>` shows. */
export interface TcpProxyState {
  name: string;
  /** host:port clients connect to. */
  listen: string;
  /** host:port the proxy forwards to. */
  target: string;
  faults: TcpFaults;
  /** When the faults clear themselves (ISO time), if `forMs` was given. */
  expiresAt?: string;
  stats: TcpProxyStats;
}

/** A running TCP fault proxy. */
export interface TcpFaultProxy {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly target: { host: string; port: number };
  /** Replaces the faults (validated; throws VALIDATION naming the field). `{}` = off. */
  set(faults: TcpFaults): TcpProxyState;
  /** Removes every fault; connections that lost bytes to a blackhole are reset. */
  clear(): TcpProxyState;
  state(): TcpProxyState;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/**
 * Listens on a port and forwards each connection to `target`, with faults switchable at runtime:
 * latency with jitter, a bandwidth limit, resets, a blackhole. With no faults it only copies bytes.
 * @example const proxy = await startTcpFaultProxy({ name: 'postgres', target: { host: '127.0.0.1', port: 5432 } });
 * proxy.set({ latencyMs: 100, jitterMs: 20 });
 */
export async function startTcpFaultProxy({
  name,
  target,
  port = 0,
  host = '127.0.0.1',
  log = () => {},
}: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
  const core: ProxyCore = {
    name,
    target,
    log,
    faults: {},
    expiry: undefined,
    links: new Set(),
    stats: { accepted: 0, reset: 0, blackholed: 0 },
    closedLanes: { up: 0, down: 0, dropped: 0 },
  };
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) =>
    acceptConnection(core, client),
  );
  server.on('error', (error) => log(`fault proxy ${name}: ${error.message}`));

  const bound = await listen(server, port, host, `fault proxy ${name}`);
  const state = () => snapshot(core, `${host}:${bound}`);
  const apply = (next: TcpFaults): TcpProxyState => {
    applyFaults(core, next);
    return state();
  };

  return {
    name,
    host,
    port: bound,
    target,
    set: (next) => apply(parseTcpFaults(next)),
    clear: () => apply({}),
    state,
    async close() {
      if (core.expiry) clearTimeout(core.expiry.timer);
      for (const link of [...core.links]) {
        forget(core, link);
        link.client.destroy();
        link.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What `GET /faults/<name>` shows, counting the bytes of open and closed links. */
function snapshot(core: ProxyCore, listenAt: string): TcpProxyState {
  const { closedLanes, links, stats, target, faults, expiry } = core;
  let up = closedLanes.up;
  let down = closedLanes.down;
  let dropped = closedLanes.dropped;
  for (const link of links) {
    const [a, b] = link.lanes;
    up += a?.forwarded ?? 0;
    down += b?.forwarded ?? 0;
    dropped += (a?.dropped ?? 0) + (b?.dropped ?? 0);
  }
  return {
    name: core.name,
    listen: listenAt,
    target: `${target.host}:${target.port}`,
    faults: { ...faults },
    ...(expiry ? { expiresAt: new Date(expiry.at).toISOString() } : {}),
    stats: {
      open: links.size,
      accepted: stats.accepted,
      reset: stats.reset,
      blackholed: stats.blackholed,
      bytesUpstream: up,
      bytesDownstream: down,
      bytesDropped: dropped,
    },
  };
}

/** Replaces the faults: arms their expiry, resets the links they end, releases delayed chunks. */
function applyFaults(core: ProxyCore, next: TcpFaults): void {
  const { links, name, log } = core;
  const wasBlackhole = core.faults.blackhole === true;
  core.faults = next;
  if (core.expiry) clearTimeout(core.expiry.timer);
  core.expiry = undefined;
  if (next.forMs !== undefined) {
    const timer = setTimeout(() => {
      log(`fault proxy ${name}: faults expired after ${next.forMs} ms`);
      applyFaults(core, {});
    }, next.forMs);
    timer.unref();
    core.expiry = { timer, at: Date.now() + next.forMs };
  }
  if (next.reset === 'existing' || next.reset === 'all')
    for (const link of [...links]) reset(core, link);
  if (wasBlackhole && !next.blackhole) {
    for (const link of [...links]) {
      if (!link.upstream || link.lanes.some((lane) => lane.dropped > 0)) reset(core, link);
    }
  }
  // Chunks already queued keep their delay unless latency is gone altogether.
  if (!next.latencyMs && !next.jitterMs)
    for (const link of links) for (const lane of link.lanes) lane.release();
  log(`fault proxy ${name}: ${isOff(next) ? 'no faults' : JSON.stringify(next)}`);
}
