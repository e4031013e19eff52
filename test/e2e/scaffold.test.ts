// `npm run new` in a copy of the repository: the new function typechecks (tsc and deno check),
// lints, passes its own unit test, bundles for Workers, and `npm start` serves it in workerd and
// in Deno, with no other file of the repository edited.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';
import { stackTestTimeoutMs } from '../support/timeouts.ts';

const run = promisify(execFile);
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

describe('npm run new -- returns --consumer order-events', () => {
  const vars = inject('devstackVars');
  let copy: string;

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'edgemesh-scaffold-'));
    const { stdout } = await run('git', ['ls-files', '-z'], { cwd: repoRoot });
    for (const file of stdout.split('\0').filter(Boolean)) {
      await cp(join(repoRoot, file), join(copy, file), { recursive: true });
    }
    await symlink(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    const created = await run(
      bin('tsx'),
      ['devstack/new-cli.ts', 'returns', '--consumer', 'order-events'],
      {
        cwd: copy,
      },
    );
    expect(created.stdout).toContain('created functions/returns/service.ts');
    expect(created.stdout).toContain('wrote deploy/kubernetes/base/returns.yaml');
  }, 120_000);

  afterAll(() => rm(copy, { recursive: true, force: true }));

  it('typechecks with tsc and deno check', async () => {
    await run('npm', ['run', 'typecheck'], { cwd: copy });
  }, 240_000);

  it('passes lint and the formatter', async () => {
    await run(bin('eslint'), ['functions/returns', 'test/unit/functions/returns'], { cwd: copy });
    await run(
      bin('prettier'),
      ['--check', 'functions/returns', 'test/unit/functions/returns', 'deno.json'],
      {
        cwd: copy,
      },
    );
  }, 120_000);

  it('passes its own unit test and bundles for Workers', async () => {
    const tests = await run(bin('vitest'), ['run', 'test/unit/functions/returns'], { cwd: copy });
    // eslint-disable-next-line no-control-regex
    expect(tests.stdout.replace(/\u001b\[[\d;]*m/g, '')).toMatch(/Tests\s+5 passed/);
    await run(
      bin('wrangler'),
      ['deploy', '--dry-run', '--env', 'returns', '--outdir', join(copy, 'out')],
      {
        cwd: copy,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      },
    );
  }, 180_000);

  it.each(['workerd', 'deno'])(
    'is served by npm start in %s',
    async (runtime) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'devstack/cli.ts',
          '--runtime',
          runtime,
          '--only',
          'returns',
          ...[
            '--port',
            '0',
            '--neon-port',
            '0',
            '--redis-port',
            '0',
            '--qstash-port',
            '0',
            '--control-port',
            '0',
            '--reference-port',
            '0',
            '--console-port',
            '0',
            '--otlp-port',
            '0',
          ],
        ],
        { cwd: copy, env: { ...process.env, DATABASE_URL: vars.DATABASE_URL! } },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      try {
        await new Promise<void>((resolve, reject) => {
          const check = () => (out.includes('Ctrl-C stops everything') ? resolve() : undefined);
          child.stdout.on('data', check);
          child.once('exit', () => reject(new Error(`npm start exited:\n${out}`)));
        });
        const url = /returns\s+\S+\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        expect(url).toBeDefined();
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ service: 'returns', status: 'ok' });
        const created = await fetch(`${url}/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `i-${runtime}-${Date.now()}`, note: 'scaffolded' }),
        });
        expect(created.status).toBe(201);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) =>
          child.exitCode === null ? child.once('exit', resolve) : resolve(null),
        );
      }
    },
    stackTestTimeoutMs,
  );
});
