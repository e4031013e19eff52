import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../listen.ts';
import { pingsWithin } from './probe.ts';

export interface RedisServerProcess {
  readonly host: string;
  readonly port: number;
  /**
   * Stops the server and starts it again on the same port. keepData (default true) saves an RDB
   * snapshot on shutdown and loads it on start, as a Redis with persistence does; false starts empty.
   */
  restart(options?: { keepData?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

interface Running {
  child: ChildProcess;
  stop(): Promise<void>;
  /** Sends SHUTDOWN SAVE|NOSAVE and waits for the exit (SIGKILL after 5 s). */
  shutdown(save: boolean): Promise<void>;
}

/** Spawns redis-server and waits until it answers PING; null when it does not. */
async function launch(
  host: string,
  port: number,
  dir: string,
  readyTimeoutMs: number,
): Promise<Running | null> {
  // No save points and no AOF: nothing is written while it runs, only on SHUTDOWN SAVE.
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--dbfilename', 'dump.rdb');
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
  const disarm = () => {
    process.off('exit', killOnExit);
    watchdog.kill('SIGKILL');
  };

  const running: Running = {
    child,
    async stop() {
      disarm();
      child.kill('SIGTERM');
      await exited(child);
    },
    async shutdown(save) {
      disarm();
      await sendCommand(host, port, `SHUTDOWN ${save ? 'SAVE' : 'NOSAVE'}`);
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(kill);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!failed && Date.now() < deadline) {
    if (await pingsWithin(host, port, 200)) return running;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await running.stop();
  return null;
}

/** Sends one inline command and waits for the server to answer or close the connection. */
function sendCommand(host: string, port: number, command: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', done);
    socket.once('close', done);
    socket.once('error', done);
  });
}

/**
 * Starts `redis-server` from PATH on a free port, its snapshot directory a fresh temporary one
 * (removed on stop); resolves null when it is not installed or does not answer PING within
 * readyTimeoutMs.
 */
export async function spawnRedisServer({
  host = '127.0.0.1',
  readyTimeoutMs = 5_000,
} = {}): Promise<RedisServerProcess | null> {
  const port = await freePort(host);
  const dir = await mkdtemp(join(tmpdir(), 'edgemesh-redis-'));
  let running = await launch(host, port, dir, readyTimeoutMs);
  if (!running) {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  return {
    host,
    port,
    async restart({ keepData = true } = {}) {
      await running?.shutdown(keepData);
      // Loading the snapshot on a busy machine can take longer than a first start: given 5 s,
      // a restart under load once gave up, killed the new server and left Redis down for good.
      running = await launch(host, port, dir, Math.max(readyTimeoutMs, 60_000));
      if (!running) throw new Error(`redis-server did not come back on ${host}:${port}`);
    },
    async stop() {
      await running?.stop();
      running = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
