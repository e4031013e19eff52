import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';

const run = promisify(execFile);

function migrate(env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'devstack/migrate-cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, NEON_FETCH_ENDPOINT: '', ...env },
  });
}

describe('npm run migrate', () => {
  it('reports every scope up to date on a migrated database', async () => {
    const { stdout } = await migrate({ DATABASE_URL: inject('devstackVars').DATABASE_URL! });
    expect(stdout).toContain('event-store: up to date');
  });

  it('fails with one line naming a malformed DATABASE_URL', async () => {
    const failure = await migrate({ DATABASE_URL: 'mysql://localhost/x' }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    const stderr = (failure as { stderr: string }).stderr.trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('DATABASE_URL is invalid');
  });
});
