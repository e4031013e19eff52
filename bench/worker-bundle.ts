// Bundles a worker the way `wrangler deploy` does with this repo's wrangler.toml: esbuild, the
// workerd conditions, minified without kept names, @opentelemetry/api's ES module build.
import { build, type BuildOptions } from 'esbuild';
import { repoRoot } from '../devstack/paths.ts';

/** esbuild options of a wrangler bundle of `entry`, leaving `external` packages out. */
export function workerBuildOptions(entry: string, external: string[] = []): BuildOptions {
  return {
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
  };
}

/** The bundled worker's code. */
export async function bundleWorkerCode(entry: string, external: string[] = []): Promise<string> {
  const result = await build(workerBuildOptions(entry, external));
  return result.outputFiles?.[0]?.text ?? '';
}
