// CPU time of processes from /proc (Linux), for benches that charge each process its own share.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s everywhere Node runs. */
const ticksPerMs = 100 / 1000;

/**
 * User + system CPU of a process in ms, from /proc (Linux); 0 once it is gone. With
 * `reapedChildren`, also the CPU of its children that exited and were waited for (a server's
 * connection processes that closed).
 */
export function processCpuMs(pid: number, { reapedChildren = false } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    const reaped = reapedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + reaped) / ticksPerMs;
  } catch {
    return 0;
  }
}

/** One running process: its parent, command name and command line. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

/** Every process on the machine, from /proc. */
export function processList(): ProcessEntry[] {
  const list: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      list.push({ pid: Number(name), ppid, comm, cmdline });
    } catch {
      // The process ended while the list was read.
    }
  }
  return list;
}

/** The pids of every process below `root` in `processes` (children, their children, …). */
export function descendants(processes: readonly ProcessEntry[], root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      stack.push(child);
    }
  }
  return found;
}
