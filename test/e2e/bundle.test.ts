import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions, loadServices } from '../../devstack/functions/catalog.ts';
import { compatibilityDate, repoRoot } from '../../devstack/paths.ts';

const run = promisify(execFile);
/**
 * The most a function may upload, gzip, as `wrangler deploy` reports it. The goal is
 * 150 KiB; the libraries alone take 139 (docs/deploy.md, "Bundle size"; `npm run bench --
 * bundle-weight` shows where each KiB comes from), and each function's OpenAPI document, built
 * in the isolate by hono-openapi, about 10 more.
 */
const gzipBudgetKiB = 210;
/** Orders also serves OrderService: Connect-ES and protobuf-es add 36 KiB gzip (206 → 242). */
const budgets: Record<string, number> = { orders: 245 };
const outboxFunctions = new Set(
  (await loadServices(listFunctions()))
    .filter((service) => service.definition.outbox)
    .map((service) => service.name),
);
const outRoot = await mkdtemp(join(tmpdir(), 'edgemesh-bundle-'));

afterAll(async () => {
  await rm(outRoot, { recursive: true, force: true });
});

describe.each(listFunctions().map((spec) => spec.name))(
  'wrangler deploy --dry-run --env %s',
  (name) => {
    const outdir = join(outRoot, name);
    let report = '';

    beforeAll(async () => {
      const { stdout } = await run(
        join(repoRoot, 'node_modules', '.bin', 'wrangler'),
        ['deploy', '--dry-run', '--env', name, '--outdir', outdir],
        { cwd: repoRoot, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
      );
      report = stdout;
    }, 120_000);

    it('has its own environment in wrangler.toml', async () => {
      const toml = await readFile(join(repoRoot, 'wrangler.toml'), 'utf8');
      const section = toml.split(`[env.${name}]`)[1]?.split(/^\[env\.[^\].]+\]$/m)[0];
      expect(section).toContain(`main = "functions/${name}/service.ts"`);
    });

    const budget = budgets[name] ?? gzipBudgetKiB;
    it(`bundles the worker within ${budget} KiB gzip`, () => {
      const gzipKiB = Number(/Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(report)?.[1]);
      expect(gzipKiB).toBeGreaterThan(0);
      expect(gzipKiB).toBeLessThanOrEqual(budget);
    });

    async function withWorker<T>(use: (miniflare: Miniflare) => Promise<T>): Promise<T> {
      const scriptPath = join(outdir, 'service.js');
      const miniflare = new Miniflare({
        // One listed module, as the devstack does: miniflare must not trace qstash's computed
        // `import('node:…')` calls, never made on Workers.
        modules: [
          { type: 'ESModule', path: scriptPath, contents: await readFile(scriptPath, 'utf8') },
        ],
        modulesRoot: outdir,
        compatibilityDate,
        bindings: { ...inject('devstackVars'), EDGEMESH_ENV: 'development' },
        log: new Log(LogLevel.WARN),
        cf: false,
      });
      try {
        return await use(miniflare);
      } finally {
        await miniflare.dispose();
      }
    }

    it('the minified bundle answers /health in workerd against the devstack', async () => {
      await withWorker(async (miniflare) => {
        const response = await miniflare.dispatchFetch('http://localhost/health');
        const body = (await response.json()) as { status: string; service: string };
        expect(response.status).toBe(200);
        expect(body).toMatchObject({ status: 'ok', service: name });
      });
    });

    it.skipIf(!outboxFunctions.has(name))(
      'its Cron Trigger sweeps the outbox (skipped: no outbox)',
      async () => {
        await withWorker(async (miniflare) => {
          // workers-types (not installed here) types scheduled() on the Fetcher.
          const worker = (await miniflare.getWorker()) as unknown as {
            scheduled(options: { cron: string }): Promise<{ outcome: string }>;
          };
          const result = await worker.scheduled({ cron: '* * * * *' });
          expect(result.outcome).toBe('ok');
        });
      },
    );
  },
);
