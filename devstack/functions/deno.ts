import { spawn } from 'node:child_process';
import { freePort, assertPortFree } from '../listen.ts';
import { denoBinary, repoRoot } from '../paths.ts';
import { stopChild, waitForHttp } from '../process.ts';
import type { FunctionSpec } from './catalog.ts';
import type { RunningFunction, StartFunctionOptions } from './running.ts';

/** Runs one function's deno.ts in a Deno child process. */
export async function startOnDeno(
  spec: FunctionSpec,
  { port, vars, log = () => {} }: StartFunctionOptions,
): Promise<RunningFunction> {
  if (port !== 0) await assertPortFree(port, '127.0.0.1', spec.name);
  const chosen = port === 0 ? await freePort() : port;
  const permissions = ['--allow-net', '--allow-env', '--allow-read', '--no-prompt'];
  const args = spec.denoServe
    ? ['serve', ...permissions, '--port', String(chosen), '--host', '127.0.0.1', spec.denoEntry]
    : ['run', ...permissions, spec.denoEntry];
  const child = spawn(denoBinary, args, {
    cwd: repoRoot,
    env: { ...process.env, ...vars, PORT: String(chosen), HOST: '127.0.0.1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(`${spec.name}: ${line}`);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const url = `http://127.0.0.1:${chosen}`;
  try {
    await waitForHttp(`${url}/`, child, { timeoutMs: 60_000 });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { name: spec.name, runtime: 'deno', url, port: chosen, stop: () => stopChild(child) };
}
