// Which process serves a port, from /proc (Linux): the telemetry bench charges each fixture the
// CPU of the deno or workerd process behind its URL, whichever of them spawned it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { descendants, processList } from './process-cpu.ts';

/** Socket inodes listening on `port` (IPv4 and IPv6), as /proc/<pid>/fd links name them. */
function listeningSockets(port: number): Set<string> {
  const sockets = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st … inode; st 0A is LISTEN, the port is hex.
      const fields = line.trim().split(/\s+/);
      const local = fields[1]?.split(':')[1];
      if (fields[3] === '0A' && local && Number.parseInt(local, 16) === port) {
        sockets.add(`socket:[${fields[9]}]`);
      }
    }
  }
  return sockets;
}

/**
 * The pid of the process below `root` (default this one) that holds the socket listening on
 * `port`; undefined without /proc or when none does (the server runs in this process).
 */
export function listeningPid(port: number, root = process.pid): number | undefined {
  const sockets = listeningSockets(port);
  if (sockets.size === 0) return undefined;
  for (const pid of descendants(processList(), root)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {
        // Closed while we looked.
      }
    }
  }
  return undefined;
}
