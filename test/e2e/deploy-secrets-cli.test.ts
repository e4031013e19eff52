import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';

const run = promisify(execFile);

async function secretsCli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(DATABASE_URL|UPSTASH_|QSTASH_|SERVICE_AUTH|EDGEMESH_)/.test(name),
    ),
  );
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'devstack/deploy/secrets-cli.ts', ...args],
      { cwd: repoRoot, env: { ...clean, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run deploy:secrets', () => {
  it('lists every secret orders needs, for wrangler secret bulk', async () => {
    const result = await secretsCli(['orders', '--template']);
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object).sort()).toEqual([
      'DATABASE_URL',
      'QSTASH_CURRENT_SIGNING_KEY',
      'QSTASH_NEXT_SIGNING_KEY',
      'QSTASH_TOKEN',
      'SERVICE_AUTH_SECRET',
      'UPSTASH_REDIS_REST_TOKEN',
    ]);
  });

  it('writes KEY=value lines from the environment with --env-file', async () => {
    const result = await secretsCli(['payments', '--env-file'], {
      DATABASE_URL: 'postgres://u:p@db.example/shop',
      UPSTASH_REDIS_REST_TOKEN: 'redis-token',
      SERVICE_AUTH_SECRET: 'a-service-auth-secret',
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'DATABASE_URL=postgres://u:p@db.example/shop',
      'UPSTASH_REDIS_REST_TOKEN=redis-token',
      'SERVICE_AUTH_SECRET=a-service-auth-secret',
    ]);
  });

  it('fails with one line naming every missing secret', async () => {
    const result = await secretsCli(['inventory'], { DATABASE_URL: 'postgres://u:p@h/d' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('UPSTASH_REDIS_REST_TOKEN, SERVICE_AUTH_SECRET');
    expect(result.stderr).toContain('EDGEMESH_OPERATOR_TOKEN');
  });
});
