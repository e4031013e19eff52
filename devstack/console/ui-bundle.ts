import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The files the page loads, built once at start and kept in memory. */
export interface UiFiles {
  readonly 'index.html': string;
  readonly 'console.js': string;
  readonly 'console.css': string;
}

/**
 * Bundles `ui/main.ts` (with uPlot from node_modules) into one ES module with esbuild, the
 * bundler the devstack already has: no build step, no files written, about 100 ms.
 */
export async function buildUi(): Promise<UiFiles> {
  const result = await build({
    entryPoints: [join(here, 'ui', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const uplotCss = await readFile(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'utf8');
  return {
    'index.html': await readFile(join(here, 'ui', 'index.html'), 'utf8'),
    'console.js': result.outputFiles[0]!.text,
    'console.css': `${uplotCss}\n${await readFile(join(here, 'ui', 'console.css'), 'utf8')}`,
  };
}
