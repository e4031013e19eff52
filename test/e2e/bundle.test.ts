import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import { repoRoot } from '../../devstack/paths.ts';

const run = promisify(execFile);
/**
 * The most a function may upload, gzip, as `wrangler deploy` reports it. Where it comes from:
 * docs/deploy.md ("Bundle size"); the goal is 150 KiB, the official clients alone take 144.
 */
const gzipBudgetKiB = 215;
const outRoot = await mkdtemp(join(tmpdir(), 'edgemesh-bundle-'));

afterAll(async () => {
  await rm(outRoot, { recursive: true, force: true });
});

describe.each(listFunctions().map((spec) => spec.name))(
  'wrangler deploy --dry-run --env %s',
  (name) => {
    it('has its own environment in wrangler.toml', async () => {
      const toml = await readFile(join(repoRoot, 'wrangler.toml'), 'utf8');
      const section = toml.split(`[env.${name}]`)[1]?.split(/^\[env\.[^\].]+\]$/m)[0];
      expect(section).toContain(`main = "functions/${name}/service.ts"`);
    });

    it(`bundles the worker for Cloudflare within ${gzipBudgetKiB} KiB gzip`, async () => {
      const outdir = join(outRoot, name);
      const { stdout } = await run(
        join(repoRoot, 'node_modules', '.bin', 'wrangler'),
        ['deploy', '--dry-run', '--env', name, '--outdir', outdir],
        { cwd: repoRoot, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
      );
      const bundle = await stat(join(outdir, 'service.js'));
      expect(bundle.size).toBeGreaterThan(0);
      const gzipKiB = Number(/Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(stdout)?.[1]);
      expect(gzipKiB).toBeGreaterThan(0);
      expect(gzipKiB).toBeLessThanOrEqual(gzipBudgetKiB);
    });
  },
);
