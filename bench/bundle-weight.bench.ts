// `npm run bench -- bundle-weight`: where each function's gzip bundle comes from. Bundles every
// function the way wrangler does (esbuild, workerd conditions, minified), then again with one
// group of packages left out; the difference is what that group adds to the upload, gzip.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listFunctions } from '../devstack/functions/catalog.ts';
import { bundleWorkerCode } from './worker-bundle.ts';

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

async function gzipKiB(entry: string, external: string[] = []): Promise<number> {
  return gzipSync(await bundleWorkerCode(entry, external)).length / 1024;
}

const everyPackage = Object.values(groups).flat();
const bare = await gzipKiB('bench/startup/bare-worker.ts');
console.log(`bare Hono + Neon driver (the anchor): ${bare.toFixed(1)} KiB gzip`);
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
