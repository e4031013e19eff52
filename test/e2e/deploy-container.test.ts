// The container of deploy/Dockerfile: its exact command line and HEALTHCHECK, run on this machine
// against the devstack (the repository root has the image's /app layout); the image itself is
// built and run only where a Docker engine and the pinned Deno image are present.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../devstack/listen.ts';
import { denoBinary, repoRoot } from '../../devstack/paths.ts';

const run = promisify(execFile);
const dockerfile = await readFile(join(repoRoot, 'deploy/Dockerfile'), 'utf8');
const instruction = (name: string) =>
  JSON.parse(new RegExp(`^${name} (\\[.*\\])$`, 'm').exec(dockerfile)?.[1] ?? '[]') as string[];
const entrypoint = instruction('ENTRYPOINT');
const healthcheck = instruction('  CMD');
const denoImage = /^ARG DENO_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';

async function succeeds(file: string, args: string[]): Promise<boolean> {
  return run(file, args, { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}
const imageBuildable =
  (await succeeds('docker', ['info'])) &&
  (await succeeds('docker', ['image', 'inspect', denoImage]));

describe('the container command line of deploy/Dockerfile, run against the devstack', () => {
  let child: ChildProcess | undefined;
  let port = 0;
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    port = await freePort();
    env = {
      ...inject('devstackVars'),
      PATH: `${dirname(denoBinary)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME,
      FUNCTION: 'payments',
      PORT: String(port),
      EDGEMESH_ENV: 'production',
      SERVICE_AUTH_SECRET: randomBytes(24).toString('hex'),
      DENO_NO_UPDATE_CHECK: '1',
    };
    child = spawn(entrypoint[0]!, entrypoint.slice(1), { cwd: repoRoot, env, stdio: 'inherit' });
  });

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('is a non-root, read-only-friendly Deno image pinned by digest', () => {
    expect(denoImage).toMatch(/^denoland\/deno:[\d.]+@sha256:[0-9a-f]{64}$/);
    expect(dockerfile).toMatch(/^USER deno$/m);
    expect(entrypoint.join(' ')).toContain('deno serve');
  });

  it('answers /health as the function the build argument names', async () => {
    const deadline = Date.now() + 60_000;
    let response: Response | undefined;
    while (Date.now() < deadline) {
      response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (response) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(response?.status).toBe(200);
    expect(await response?.json()).toMatchObject({ status: 'ok', service: 'payments' });
  }, 90_000);

  it('passes its HEALTHCHECK', async () => {
    const result = await run(healthcheck[0]!, healthcheck.slice(1), { cwd: repoRoot, env });
    expect(result.stderr).toBe('');
  }, 30_000);

  it.skipIf(!imageBuildable)(
    'builds the image, run as the deno user (skipped: no Docker engine or the pinned Deno image is not present)',
    async () => {
      const tag = `edgemesh-payments-test-${process.pid}`;
      await run(
        'docker',
        ['build', '-f', 'deploy/Dockerfile', '--build-arg', 'FUNCTION=payments', '-t', tag, '.'],
        {
          cwd: repoRoot,
        },
      );
      const { stdout } = await run('docker', [
        'image',
        'inspect',
        tag,
        '--format',
        '{{.Config.User}}',
      ]);
      expect(stdout.trim()).toBe('deno');
      await run('docker', ['rmi', tag]);
    },
    600_000,
  );
});
