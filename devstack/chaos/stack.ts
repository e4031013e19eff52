import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSettingsAdmin } from '../../shared/config/index.ts';
import { configTarget, readDevVars } from '../config/target.ts';
import { loadServiceSettings } from '../config/services.ts';
import { liveDevstack, readEndpoints } from '../live.ts';
import { repoRoot } from '../paths.ts';
import type { Endpoints } from '../stack.ts';
import type { ChaosTarget } from './target.ts';

/** The chaos target of the devstack whose state is in `state` (its endpoints and `.dev.vars`). */
export async function targetOf(endpoints: Endpoints, state: string): Promise<ChaosTarget> {
  const devVars = readDevVars(join(state, '..', '.dev.vars'));
  const services = await loadServiceSettings();
  const admin = createSettingsAdmin({
    store: configTarget({ devVars, env: {} }),
    services: Object.fromEntries(services.map((s) => [s.name, s.settings])),
  });
  const databaseUrl = devVars.DATABASE_URL;
  if (!databaseUrl) throw new Error(`no DATABASE_URL in ${join(state, '..', '.dev.vars')}`);
  return {
    functions: endpoints.functions,
    ...(devVars.EDGEMESH_OPERATOR_TOKEN ? { operatorToken: devVars.EDGEMESH_OPERATOR_TOKEN } : {}),
    admin,
    control: endpoints.control,
    databaseUrl,
  };
}

/** The running `npm start` of this checkout, when its functions answer. */
export async function runningTarget(state: string): Promise<ChaosTarget | undefined> {
  const endpoints = await liveDevstack(state);
  return endpoints ? targetOf(endpoints, state) : undefined;
}

/** Starts `npm start` on free ports with its state in a temporary directory. */
export async function spawnDevstack(runtime: string): Promise<{
  target: ChaosTarget;
  stop: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'edgemesh-chaos-'));
  const state = join(dir, '.devstack');
  const ports = [
    '--port',
    '--neon-port',
    '--redis-port',
    '--otlp-port',
    '--qstash-port',
    '--control-port',
    // Every port, so a second run (another runtime, another checkout) does not collide.
    '--reference-port',
    '--console-port',
  ];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'devstack', 'cli.ts'),
      '--runtime',
      runtime,
      ...ports.flatMap((p) => [p, '0']),
      '--state-dir',
      state,
      // Its own Redis (redis-server from PATH, else the embedded engine) can be restarted, and
      // keeps its rules and breakers away from any shared one.
      '--redis',
      spawnSync('redis-server', ['--version']).status === 0 ? 'redis-server' : 'embedded',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  try {
    for (;;) {
      const endpoints = readEndpoints(state);
      if (endpoints?.control) return { target: await targetOf(endpoints, state), stop };
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error('the devstack did not start');
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    // Whatever failed, the stack it started must not outlive the command.
    await stop();
    throw error;
  }
}
