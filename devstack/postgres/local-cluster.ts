import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { isLoopbackHost } from './connection-target.ts';

const run = promisify(execFile);

/** A Postgres cluster this machine manages with Debian's postgresql-common tools. */
export interface LocalCluster {
  /** e.g. `15`. */
  readonly version: string;
  /** e.g. `main`. */
  readonly name: string;
  readonly port: number;
  /** The OS user the cluster runs as; pg_ctlcluster needs this user or root. */
  readonly owner: string;
}

/**
 * The local cluster `databaseUrl` points at: its host is loopback (or a Unix socket) and
 * `pg_lsclusters` lists a cluster on its port. Undefined when there is none or the tools are absent.
 */
export async function findLocalCluster(databaseUrl: string): Promise<LocalCluster | undefined> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return undefined;
  }
  const host = url.hostname || url.searchParams.get('host') || '';
  if (host !== '' && !host.startsWith('/') && !isLoopbackHost(host)) return undefined;
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  let listed: string;
  try {
    listed = (await run('pg_lsclusters', ['--no-header'], { timeout: 5_000 })).stdout;
  } catch {
    return undefined;
  }
  for (const line of listed.split('\n')) {
    const [version, name, clusterPort, , owner = ''] = line.trim().split(/\s+/);
    if (version && name && Number(clusterPort) === port) return { version, name, port, owner };
  }
  return undefined;
}

/**
 * Restarts a local cluster with `pg_ctlcluster … restart` (fast mode: open sessions get 57P01)
 * and resolves once it accepts connections again.
 */
export async function restartLocalCluster(
  cluster: LocalCluster,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  try {
    await run(
      'pg_ctlcluster',
      ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart'],
      { timeout: timeoutMs },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new EdgeMeshError(
      'UNAVAILABLE',
      `pg_ctlcluster ${cluster.version} ${cluster.name} restart failed: ${stderr || (error as Error).message}`,
      { cause: error },
    );
  }
}
