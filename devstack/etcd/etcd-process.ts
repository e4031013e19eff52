import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../listen.ts';
import { stopChild } from '../process.ts';

/** An etcd started from PATH, answering on `url`. */
export interface EtcdProcess {
  readonly url: string;
  /** `etcd --version`'s first line, e.g. "etcd Version: 3.4.23". */
  readonly version: string;
  stop(): Promise<void>;
}

/** True when an `etcd` binary is on PATH. */
export function etcdOnPath(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Whether etcd's gateway answers `/version` at `url` within `timeoutMs`. */
export async function etcdAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/version`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok && 'etcdserver' in ((await response.json()) as object);
  } catch {
    return false;
  }
}

/**
 * Starts `etcd` from PATH as a single-member cluster on free loopback ports with a temporary
 * data directory (removed on stop); resolves null when etcd is not installed or does not answer
 * within `readyTimeoutMs`. A `sh` watchdog kills it if this process dies without stopping it.
 */
export async function spawnEtcd({
  host = '127.0.0.1',
  readyTimeoutMs = 15_000,
} = {}): Promise<EtcdProcess | null> {
  const versionRun = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (versionRun.status !== 0) return null;
  const version = versionRun.stdout.split('\n')[0]?.trim() ?? 'etcd';
  const dataDir = await mkdtemp(join(tmpdir(), 'edgemesh-etcd-'));
  const [clientPort, peerPort] = [await freePort(host), await freePort(host)];
  const url = `http://${host}:${clientPort}`;
  const peer = `http://${host}:${peerPort}`;
  const child: ChildProcess = spawn(
    'etcd',
    [
      '--name',
      'edgemesh',
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `edgemesh=${peer}`,
      '--log-level',
      'error',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  child.once('error', () => (exited = true));
  child.once('exit', () => (exited = true));
  if (child.pid === undefined) {
    await rm(dataDir, { recursive: true, force: true });
    return null;
  }
  const watchdog = spawn(
    'sh',
    ['-c', 'read _ignored; kill "$1" 2>/dev/null; rm -rf "$2"', 'sh', String(child.pid), dataDir],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  watchdog.once('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as { unref?: () => void } | null)?.unref?.();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    watchdog.kill('SIGKILL');
    await stopChild(child, 5_000);
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (!exited && Date.now() < deadline) {
    if (await etcdAnswers(url, 300)) return { url, version, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  return null;
}
