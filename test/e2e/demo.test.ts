import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';
import { stackTestTimeoutMs } from '../support/timeouts.ts';

const run = promisify(execFile);

describe('npm run demo', () => {
  it(
    'settles every order and holds the invariants of the shop',
    async () => {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'devstack/demo.ts', '--orders', '24', '--concurrency', '6'],
        { cwd: repoRoot, timeout: 120_000 + stackTestTimeoutMs },
      );
      expect(stdout).toContain('ok    every order ended confirmed or cancelled');
      expect(stdout).toMatch(/^confirmed\s+\d+$/m);
      expect(stdout).toMatch(/^cancelled: out_of_stock\s+\d+$/m);
      expect(stdout).not.toMatch(/^FAIL/m);
    },
    150_000 + stackTestTimeoutMs,
  );

  it('rejects a malformed option with one line', async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', 'devstack/demo.ts', '--orders', 'many'],
      { cwd: repoRoot },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      'demo: --orders and --concurrency must be positive whole numbers',
    );
  });
});
