import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';
import { upstashConfigStore } from '../../shared/config/upstash-store.ts';

const vars = inject('devstackVars');
const etcdUrl = inject('etcdUrl');
const fixtures = join(repoRoot, 'test/fixtures/config/functions');
const scratch = await mkdtemp(join(tmpdir(), 'edgemesh-config-cli-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run config -- …` against its own key prefix on the devstack's Redis. */
function config(
  prefix: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'devstack/config-cli.ts', ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
          UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
          EDGEMESH_CONFIG_PREFIX: prefix,
          EDGEMESH_FUNCTIONS_DIR: fixtures,
          EDGEMESH_ACTOR: 'tester',
          EDGEMESH_CONFIG_STORE: '',
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

const newPrefix = () => `edgemesh-test:config-cli:${randomUUID()}:`;
const storeAt = (prefix: string) =>
  upstashConfigStore(
    new Redis({
      url: vars.UPSTASH_REDIS_REST_URL!,
      token: vars.UPSTASH_REDIS_REST_TOKEN!,
      enableTelemetry: false,
    }),
    { prefix },
  );

/** A one-line failure with exit code 1. */
function expectOneLineFailure(outcome: Outcome, pattern: RegExp) {
  expect(outcome.code).toBe(1);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stderr).toMatch(pattern);
}

// Each run starts tsx (seconds on a busy machine), hence the long timeout.
describe('npm run config', { timeout: 120_000 }, () => {
  it('sets a value, then gets it merged over global and the defaults', async () => {
    const prefix = newPrefix();
    const [set, global] = await Promise.all([
      config(prefix, ['set', 'orders', 'breaker.failureRateThreshold', '30']),
      config(prefix, ['set', 'global', 'logLevel', 'warn']),
    ]);
    expect(set).toMatchObject({ code: 0 });
    expect(global).toMatchObject({ code: 0 });
    expect(set.stdout).toContain(
      'orders: revision 1 by tester: breaker.failureRateThreshold (unset) → 30',
    );
    const [got, one] = await Promise.all([
      config(prefix, ['get', 'orders']),
      config(prefix, ['get', 'orders', 'breaker.failureRateThreshold']),
    ]);
    expect(JSON.parse(got.stdout)).toEqual({
      logLevel: 'warn',
      breaker: { failureRateThreshold: 30 },
      inventory: { attemptTimeoutMs: 1_000 },
      flags: {},
    });
    expect(got.stderr).toContain('orders: revision 1 (global 1)');
    expect(JSON.parse(one.stdout)).toBe(30);
  });

  it('refuses an unknown service, an invalid value and a stale revision in one line each, changing nothing', async () => {
    const prefix = newPrefix();
    await config(prefix, ['set', 'orders', 'logLevel', 'warn']);
    const [unknown, invalid, typo, stale, malformed] = await Promise.all([
      config(prefix, ['set', 'ordres', 'logLevel', 'debug']),
      config(prefix, ['set', 'orders', 'breaker.failureRateThreshold', '500']),
      config(prefix, ['set', 'orders', 'breaker.failureRatio', '5']),
      config(prefix, ['set', 'orders', 'logLevel', 'error', '--expect', '0']),
      config(prefix, ['rollback', 'orders', 'x']),
    ]);
    expectOneLineFailure(unknown, /unknown service "ordres"/);
    expectOneLineFailure(invalid, /orders: invalid settings: breaker\.failureRateThreshold: /);
    expectOneLineFailure(typo, /breaker\.failureRatio: unknown setting/);
    expectOneLineFailure(stale, /at revision 1, not 0/);
    expectOneLineFailure(malformed, /whole number/);
    expect(await storeAt(prefix).heads(['settings/orders', 'settings/global'])).toEqual([1, 0]);
  });

  it('lists history, diffs and rolls back to an older revision', async () => {
    const prefix = newPrefix();
    await config(prefix, ['set', 'orders', 'inventory.attemptTimeoutMs', '500']);
    await config(prefix, ['set', 'orders', 'inventory.attemptTimeoutMs', '50', '--actor', 'bob']);
    const diff = await config(prefix, ['diff', 'orders']);
    expect(diff.stdout.trim()).toBe('inventory.attemptTimeoutMs 500 → 50');
    const rollback = await config(prefix, ['rollback', 'orders', '1', '--expect', '2']);
    expect(rollback.stdout).toContain(
      'orders: revision 3 by tester: inventory.attemptTimeoutMs 50 → 500',
    );
    const history = (await config(prefix, ['history', 'orders'])).stdout.trim().split('\n');
    expect(history).toHaveLength(3);
    expect(history[0]).toMatch(
      /^\s*3\s+\S+Z\s+tester\s+rollback to 1\s+inventory\.attemptTimeoutMs 50 → 500$/,
    );
    expect(history[1]).toMatch(/^\s+2\s+\S+Z\s+bob\s+set\s+/);
  });

  it('edits the document in $EDITOR, and changes nothing when the result is not JSON', async () => {
    const prefix = newPrefix();
    await config(prefix, ['set', 'payments', 'captureDelayMs', '10']);
    const editor = join(scratch, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/10/20/" "$1"\n');
    await chmod(editor, 0o755);
    const edited = await config(prefix, ['edit', 'payments'], { EDITOR: editor });
    expect(edited.stdout).toContain('payments: revision 2 by tester: captureDelayMs 10 → 20');
    const breaker = join(scratch, 'breaker.sh');
    await writeFile(breaker, '#!/bin/sh\necho "{ oops" > "$1"\n');
    await chmod(breaker, 0o755);
    expectOneLineFailure(
      await config(prefix, ['edit', 'payments'], { EDITOR: breaker }),
      /not JSON/,
    );
    expect(await storeAt(prefix).heads(['settings/payments'])).toEqual([2]);
  });

  it('watches a service and prints the revisions another operator writes', async () => {
    const prefix = newPrefix();
    const watching = config(prefix, ['watch', 'orders', '--count', '2']);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await config(prefix, ['set', 'global', 'logLevel', 'debug']);
    await config(prefix, ['set', 'orders', 'flags.beta', '{"enabled":true,"percentage":10}']);
    const { code, stdout } = await watching;
    expect(code).toBe(0);
    expect(stdout).toContain('global:    1');
    expect(stdout).toContain('orders:    1');
    expect(stdout).toContain('flags.beta.enabled (unset) → true');
  });

  it('names a service.ts that breaks the contract', async () => {
    const dir = join(scratch, 'broken');
    await mkdir(join(dir, 'orders'), { recursive: true });
    await writeFile(join(dir, 'orders', 'service.ts'), 'export default 42;\n');
    expectOneLineFailure(
      await config(newPrefix(), ['get', 'orders'], { EDGEMESH_FUNCTIONS_DIR: dir }),
      /orders\/service\.ts must default-export a service with a name/,
    );
  });

  it.skipIf(!etcdUrl)(
    'works the same on etcd (skipped without etcd on PATH or ETCD_URL)',
    async () => {
      const prefix = `/edgemesh-test/config-cli/${randomUUID()}/`;
      const env = { ETCD_URL: etcdUrl };
      const set = await config(
        prefix,
        ['set', 'orders', 'logLevel', 'error', '--store', 'etcd'],
        env,
      );
      expect(set.stdout).toContain('orders: revision 1');
      const got = await config(prefix, ['get', 'orders', 'logLevel', '--store', 'etcd'], env);
      expect(JSON.parse(got.stdout)).toBe('error');
      expectOneLineFailure(
        await config(
          prefix,
          ['set', 'orders', 'logLevel', 'debug', '--store', 'etcd', '--expect', '0'],
          env,
        ),
        /at revision 1, not 0/,
      );
    },
  );
});
