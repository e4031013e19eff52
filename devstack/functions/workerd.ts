import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { assertPortFree } from '../listen.ts';
import { compatibilityDate, stateDir } from '../paths.ts';
import type { FunctionSpec } from './catalog.ts';
import type { RunningFunction, StartFunctionOptions } from './running.ts';

/**
 * Bundles a worker entry the way wrangler does (ESM, workerd conditions); `external` leaves
 * imports to workerd, as `nodejs_compat` does with `node:*`.
 */
export async function bundleWorker(
  spec: Pick<FunctionSpec, 'name' | 'workerEntry'>,
  external: string[] = [],
): Promise<string> {
  const outfile = join(stateDir, 'build', `${spec.name}.js`);
  await mkdir(join(stateDir, 'build'), { recursive: true });
  await build({
    entryPoints: [spec.workerEntry],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2024',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external,
    logLevel: 'silent',
  });
  return outfile;
}

/** Runs one function in workerd through miniflare. */
export async function startOnWorkerd(
  spec: FunctionSpec,
  { port, vars, log }: StartFunctionOptions,
): Promise<RunningFunction> {
  if (port !== 0) await assertPortFree(port, '127.0.0.1', spec.name);
  const scriptPath = await bundleWorker(spec);
  const miniflare = new Miniflare({
    name: spec.name,
    // One listed module, so miniflare does not trace the bundle's imports: @upstash/qstash
    // carries a local dev server with computed `import('node:…')` calls never made on Workers.
    modules: [{ type: 'ESModule', path: scriptPath, contents: await readFile(scriptPath, 'utf8') }],
    compatibilityDate,
    bindings: vars,
    host: '127.0.0.1',
    port,
    log: new Log(LogLevel.WARN),
    cf: false,
    // The worker's console lines, like a Deno function's: to `log` when given, else as they are.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const [stream, out] of [
        [stdout, process.stdout],
        [stderr, process.stderr],
      ] as const) {
        createInterface({ input: stream }).on('line', (line) => {
          if (!line.trim()) return;
          if (log) log(`${spec.name}: ${line}`);
          else out.write(`${line}\n`);
        });
      }
    },
  });
  const url = await miniflare.ready;
  return {
    name: spec.name,
    runtime: 'workerd',
    url: url.origin,
    port: Number(url.port),
    stop: () => miniflare.dispose(),
  };
}
