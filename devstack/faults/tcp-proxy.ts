import { connect, createServer, type Socket } from 'node:net';
import { listen } from '../listen.ts';
import { Lane, type LaneShape } from './lane.ts';
import { applies, isOff, parseTcpFaults, type TcpFaults } from './tcp-faults.ts';

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

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  lanes: Lane[];
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
  let faults: TcpFaults = {};
  let expiry: { timer: NodeJS.Timeout; at: number } | undefined;
  const links = new Set<Link>();
  const stats = { accepted: 0, reset: 0, blackholed: 0 };
  let closedLanes = { up: 0, down: 0, dropped: 0 };

  const shape = (way: 'upstream' | 'downstream'): LaneShape => ({
    delayMs() {
      if (!applies(faults.latencyDirection, way)) return 0;
      const jitter = faults.jitterMs ? (Math.random() * 2 - 1) * faults.jitterMs : 0;
      return Math.max(0, (faults.latencyMs ?? 0) + jitter);
    },
    bytesPerSecond: () =>
      applies(faults.bandwidthDirection, way) ? faults.bandwidthBytesPerSecond : undefined,
    dropping: () => faults.blackhole === true,
  });

  const forget = (link: Link) => {
    if (!links.delete(link)) return;
    const [up, down] = link.lanes;
    closedLanes = {
      up: closedLanes.up + (up?.forwarded ?? 0),
      down: closedLanes.down + (down?.forwarded ?? 0),
      dropped: closedLanes.dropped + (up?.dropped ?? 0) + (down?.dropped ?? 0),
    };
    for (const lane of link.lanes) lane.close();
  };

  const reset = (link: Link) => {
    stats.reset += 1;
    forget(link);
    if (!link.client.destroyed) link.client.resetAndDestroy();
    link.upstream?.destroy();
  };

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    stats.accepted += 1;
    client.on('error', () => {});
    const link: Link = { client, upstream: undefined, lanes: [] };
    if (faults.reset === 'new' || faults.reset === 'all') {
      stats.reset += 1;
      client.resetAndDestroy();
      return;
    }
    links.add(link);
    client.on('close', () => {
      forget(link);
      link.upstream?.destroy();
    });
    if (faults.blackhole) {
      // Never connected upstream: it cannot be resumed, so it stays a hole until reset.
      stats.blackholed += 1;
      const hole = new Lane(client, client, {
        delayMs: () => 0,
        bytesPerSecond: () => undefined,
        dropping: () => true,
      });
      link.lanes.push(hole);
      return;
    }
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    link.upstream = upstream;
    upstream.on('error', (error) => {
      log(`fault proxy ${name}: ${target.host}:${target.port}: ${error.message}`);
      // The client sees the target go away as a reset, as it would without the proxy.
      if (links.has(link)) reset(link);
    });
    // A target that closes sends its end through the downstream lane, behind the bytes it sent
    // first (a restarting Postgres's 57P01); the link is forgotten when the client closes.
    link.lanes.push(new Lane(client, upstream, shape('upstream')));
    link.lanes.push(new Lane(upstream, client, shape('downstream')));
  });
  server.on('error', (error) => log(`fault proxy ${name}: ${error.message}`));

  const bound = await listen(server, port, host, `fault proxy ${name}`);

  const state = (): TcpProxyState => {
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
      name,
      listen: `${host}:${bound}`,
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
  };

  const apply = (next: TcpFaults): TcpProxyState => {
    const wasBlackhole = faults.blackhole === true;
    faults = next;
    if (expiry) clearTimeout(expiry.timer);
    expiry = undefined;
    if (next.forMs !== undefined) {
      const timer = setTimeout(() => {
        log(`fault proxy ${name}: faults expired after ${next.forMs} ms`);
        apply({});
      }, next.forMs);
      timer.unref();
      expiry = { timer, at: Date.now() + next.forMs };
    }
    if (next.reset === 'existing' || next.reset === 'all')
      for (const link of [...links]) reset(link);
    if (wasBlackhole && !next.blackhole) {
      for (const link of [...links]) {
        if (!link.upstream || link.lanes.some((lane) => lane.dropped > 0)) reset(link);
      }
    }
    // Chunks already queued keep their delay unless latency is gone altogether.
    if (!next.latencyMs && !next.jitterMs)
      for (const link of links) for (const lane of link.lanes) lane.release();
    log(`fault proxy ${name}: ${isOff(next) ? 'no faults' : JSON.stringify(next)}`);
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
      if (expiry) clearTimeout(expiry.timer);
      for (const link of [...links]) {
        forget(link);
        link.client.destroy();
        link.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
