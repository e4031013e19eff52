// What the saga benches share besides the data plane: tagging this run's Postgres connections,
// the CPU of Postgres' and Redis' processes that serve it, the functions' request counts, and
// Postgres transaction counts.
import type pg from 'pg';
import { processCpuMs, type ProcessEntry } from './process-cpu.ts';

/** `url` with `application_name` set, so this run's Postgres backends can be told from others'. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('application_name'))
    parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

/**
 * The processes of Postgres (its auxiliary processes and the backends of connections tagged
 * `applicationName`) and of Redis, from `list` (processList()).
 */
export async function storePids(
  db: pg.Client,
  applicationName: string,
  list: readonly ProcessEntry[],
): Promise<{ postgres: number[]; redis: number[] }> {
  const backends = new Set(
    (
      await db.query<{ pid: number }>(
        `select pid from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()`,
        [applicationName],
      )
    ).rows.map((row) => row.pid),
  );
  const pids = { postgres: [] as number[], redis: [] as number[] };
  for (const proc of list) {
    if (proc.comm === 'redis-server') pids.redis.push(proc.pid);
    else if (
      proc.cmdline.startsWith('postgres:') &&
      (backends.has(proc.pid) || !proc.cmdline.includes('('))
    )
      pids.postgres.push(proc.pid);
  }
  return pids;
}

/** CPU ms so far of the processes {@link storePids} finds. */
export async function storeCpuMs(
  db: pg.Client,
  applicationName: string,
  list: readonly ProcessEntry[],
): Promise<{ postgres: number; redis: number }> {
  const pids = await storePids(db, applicationName, list);
  const sum = (of: readonly number[]) => of.reduce((ms, pid) => ms + processCpuMs(pid), 0);
  return { postgres: sum(pids.postgres), redis: sum(pids.redis) };
}

/** Committed transactions so far in the named databases (pg_stat_database). */
export async function transactionsCommitted(
  db: pg.Client,
  databases: readonly string[],
): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `select coalesce(sum(xact_commit), 0) as n from pg_stat_database where datname = any($1)`,
    [databases],
  );
  return Number(rows[0]!.n);
}

/** HTTP requests each function has served so far, from its /metrics, by name. */
export async function requestCounts(urls: Record<string, string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [name, url] of Object.entries(urls)) {
    const text = await (await fetch(`${url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('edgemesh_http_requests_total{') && line.includes(`service="${name}"`)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    counts[name] = sum;
  }
  return counts;
}
