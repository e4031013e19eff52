// `npm run bench -- bundle-weight`: where each function's gzip bundle comes from. Bundles every
// function the way wrangler does (esbuild, workerd conditions, minified), then again with one
// group of packages left out; the difference is what that group adds to the upload, gzip.
import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listFunctions } from '../devstack/functions/catalog.ts';
import { repoRoot } from '../devstack/paths.ts';

const groups: Record<string, string[]> = {
  '@neondatabase/serverless': ['@neondatabase/serverless'],
  zod: ['zod', '@hono/zod-validator'],
  '@upstash/redis': ['@upstash/redis'],
  '@upstash/qstash (with jose, neverthrow)': ['@upstash/qstash'],
  '@upstash/ratelimit': ['@upstash/ratelimit'],
  '@opentelemetry/*': ['@opentelemetry/*'],
  hono: ['hono', 'hono/*'],
  '@openfeature/*': ['@openfeature/*'],
};

const options = (entry: string, external: string[]): BuildOptions => ({
  entryPoints: [entry],
  bundle: true,
  write: false,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  alias: { '@opentelemetry/api': './node_modules/@opentelemetry/api/build/esm/index.js' },
  external: [...external, 'cloudflare:*', 'node:*'],
  absWorkingDir: repoRoot,
  logLevel: 'silent',
});

async function gzipKiB(entry: string, external: string[] = []): Promise<number> {
  const result = await build(options(entry, external));
  const code = result.outputFiles?.[0]?.contents ?? new Uint8Array();
  return gzipSync(code).length / 1024;
}

const everyPackage = Object.values(groups).flat();
for (const { name } of listFunctions()) {
  const entry = join('functions', name, 'service.ts');
  const total = await gzipKiB(entry);
  console.log(`${name}: ${total.toFixed(1)} KiB gzip`);
  for (const [group, packages] of Object.entries(groups)) {
    const without = await gzipKiB(entry, packages);
    console.log(`  ${group.padEnd(42)} ${(total - without).toFixed(1).padStart(6)} KiB`);
  }
  const own = await gzipKiB(entry, everyPackage);
  console.log(
    `  ${'shared/ + functions/ (the rest)'.padEnd(42)} ${own.toFixed(1).padStart(6)} KiB`,
  );
}
