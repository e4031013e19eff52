import type { Hono } from 'hono';
import { isEdgeMeshError } from '../errors/edgemesh-error.ts';
import { problemResponse, toProblem } from '../errors/problem.ts';
import { denoEnv, denoGlobal, denoRuntime, drainDeno } from './deno.ts';
import { executionContextOf, type Env, type Runtime } from './runtime.ts';

let draining = false;

/** On SIGINT/SIGTERM: finish what waitUntil holds, then exit (once per process). */
function drainOnSignals(): void {
  if (draining) return;
  draining = true;
  const deno = denoGlobal();
  const stop = () => void drainDeno().finally(() => deno.exit(0));
  deno.addSignalListener('SIGINT', stop);
  deno.addSignalListener('SIGTERM', stop);
}

/**
 * The `fetch` of a module served with `deno serve` (and by Deno Deploy): builds the app once
 * from Deno's env. When `mainModuleSuffix` names the module Deno runs, the app is built at once,
 * so a configuration error prints one line and exits 1 before the first request; otherwise a
 * bad configuration answers every request with the CONFIG problem. SIGINT/SIGTERM drain
 * waitUntil work before exiting.
 */
export function denoServeHandler(
  createApp: (env: Env, runtime: Runtime) => Hono,
  { mainModuleSuffix }: { mainModuleSuffix?: string } = {},
): (request: Request) => Promise<Response> {
  const runtime = denoRuntime();
  const ctx = executionContextOf(runtime);
  let app: Hono | undefined;
  let failure: unknown;
  const build = () => {
    try {
      app = createApp(denoEnv(), runtime);
    } catch (error) {
      if (!isEdgeMeshError(error)) throw error;
      failure = error;
      console.error(error.message);
    }
  };
  if (mainModuleSuffix && denoGlobal().mainModule.endsWith(mainModuleSuffix)) {
    build();
    if (failure) denoGlobal().exit(1);
    drainOnSignals();
  }
  return async function serveRequest(request) {
    if (!app && !failure) {
      build();
      drainOnSignals();
    }
    if (!app) {
      return problemResponse(toProblem(failure, { instance: new URL(request.url).pathname }));
    }
    return app.fetch(request, {}, ctx);
  };
}

export interface DenoServeOptions {
  /** Port when `PORT` is unset. Default 8000. */
  defaultPort?: number;
}

/**
 * Serves an app with Deno.serve from Deno's env. A configuration error prints one line naming
 * the bad variables and exits 1; SIGINT/SIGTERM finish in-flight work and exit.
 */
export function serveOnDeno(
  createApp: (env: Env, runtime: Runtime) => Hono,
  { defaultPort = 8000 }: DenoServeOptions = {},
): void {
  const deno = denoGlobal();
  const runtime = denoRuntime();
  let app: Hono;
  try {
    app = createApp(denoEnv(), runtime);
  } catch (error) {
    console.error(isEdgeMeshError(error) ? error.message : String(error));
    deno.exit(1);
  }
  const ctx = executionContextOf(runtime);
  const port = Number(deno.env.get('PORT') ?? defaultPort);
  const hostname = deno.env.get('HOST') ?? '127.0.0.1';
  const server = deno.serve({ port, hostname, onListen: () => {} }, (request) =>
    app.fetch(request, {}, ctx),
  );
  const stop = () => {
    void server
      .shutdown()
      .then(drainDeno)
      .finally(() => deno.exit(0));
  };
  deno.addSignalListener('SIGINT', stop);
  deno.addSignalListener('SIGTERM', stop);
}
