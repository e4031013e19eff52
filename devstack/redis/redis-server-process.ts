import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../listen.ts';
import { pingsWithin } from './probe.ts';

export interface RedisServerProcess {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Starts `redis-server` from PATH on a free port with persistence off; resolves null when it
 * is not installed or does not answer PING within readyTimeoutMs.
 */
export async function spawnRedisServer({
  host = '127.0.0.1',
  readyTimeoutMs = 5_000,
} = {}): Promise<RedisServerProcess | null> {
  const port = await freePort(host);
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  let failed = false;
  child.once('error', () => (failed = true));
  child.once('exit', () => (failed = true));
  if (child.pid === undefined) return null;
  // A `sh` watchdog that kills the server when our stdin pipe closes, so a SIGKILLed parent
  // does not leave redis-server behind; the exit hook covers orderly exits.
  const watchdog = spawn(
    'sh',
    ['-c', 'read _ignored; kill "$1" 2>/dev/null', 'sh', String(child.pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  watchdog.once('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as { unref?: () => void } | null)?.unref?.();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    watchdog.kill('SIGKILL');
    child.kill('SIGTERM');
    await exited(child);
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (!failed && Date.now() < deadline) {
    if (await pingsWithin(host, port, 200)) return { host, port, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  return null;
}
