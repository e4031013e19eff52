import { connect, type Socket } from 'node:net';
import { Lane, type LaneShape } from './lane.ts';
import { applies, type TcpFaults } from './tcp-faults.ts';

/** A client connection, its upstream connection (none under a blackhole) and their lanes. */
export interface Link {
  client: Socket;
  upstream: Socket | undefined;
  lanes: Lane[];
}

/** A proxy's state: its faults, its open links and its counters. */
export interface ProxyCore {
  readonly name: string;
  readonly target: { host: string; port: number };
  readonly log: (line: string) => void;
  faults: TcpFaults;
  expiry: { timer: NodeJS.Timeout; at: number } | undefined;
  readonly links: Set<Link>;
  readonly stats: { accepted: number; reset: number; blackholed: number };
  /** Bytes counted by the lanes of links already closed. */
  closedLanes: { up: number; down: number; dropped: number };
}

/** A lane's shape read from the proxy's faults at the time of each chunk. */
const shape = (core: ProxyCore, way: 'upstream' | 'downstream'): LaneShape => ({
  delayMs() {
    const { faults } = core;
    if (!applies(faults.latencyDirection, way)) return 0;
    const jitter = faults.jitterMs ? (Math.random() * 2 - 1) * faults.jitterMs : 0;
    return Math.max(0, (faults.latencyMs ?? 0) + jitter);
  },
  bytesPerSecond: () =>
    applies(core.faults.bandwidthDirection, way) ? core.faults.bandwidthBytesPerSecond : undefined,
  dropping: () => core.faults.blackhole === true,
});

/** Drops a link from the open ones, keeping its byte counts, and closes its lanes. */
export function forget(core: ProxyCore, link: Link): void {
  if (!core.links.delete(link)) return;
  const [up, down] = link.lanes;
  const { closedLanes } = core;
  core.closedLanes = {
    up: closedLanes.up + (up?.forwarded ?? 0),
    down: closedLanes.down + (down?.forwarded ?? 0),
    dropped: closedLanes.dropped + (up?.dropped ?? 0) + (down?.dropped ?? 0),
  };
  for (const lane of link.lanes) lane.close();
}

/** Closes a link with a RST to the client. */
export function reset(core: ProxyCore, link: Link): void {
  core.stats.reset += 1;
  forget(core, link);
  if (!link.client.destroyed) link.client.resetAndDestroy();
  link.upstream?.destroy();
}

/** Takes a new client connection: reset, blackholed or forwarded to the target, as the faults say. */
export function acceptConnection(core: ProxyCore, client: Socket): void {
  const { faults, links, stats, target, name, log } = core;
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
    forget(core, link);
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
    if (links.has(link)) reset(core, link);
  });
  // A target that closes sends its end through the downstream lane, behind the bytes it sent
  // first (a restarting Postgres's 57P01); the link is forgotten when the client closes.
  link.lanes.push(new Lane(client, upstream, shape(core, 'upstream')));
  link.lanes.push(new Lane(upstream, client, shape(core, 'downstream')));
}
