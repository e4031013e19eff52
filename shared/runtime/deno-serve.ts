import type { Hono } from 'hono';
import { isEdgeMeshError } from '../errors/edgemesh-error.ts';
import { denoEnv, denoRuntime, drainDeno } from './deno.ts';
import { executionContextOf, type Env, type Runtime } from './runtime.ts';

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
  const runtime = denoRuntime();
  let app: Hono;
  try {
    app = createApp(denoEnv(), runtime);
  } catch (error) {
    console.error(isEdgeMeshError(error) ? error.message : String(error));
    Deno.exit(1);
  }
  const ctx = executionContextOf(runtime);
  const port = Number(Deno.env.get('PORT') ?? defaultPort);
  const hostname = Deno.env.get('HOST') ?? '127.0.0.1';
  const server = Deno.serve({ port, hostname, onListen: () => {} }, (request) =>
    app.fetch(request, {}, ctx),
  );
  const stop = () => {
    void server
      .shutdown()
      .then(drainDeno)
      .finally(() => Deno.exit(0));
  };
  Deno.addSignalListener('SIGINT', stop);
  Deno.addSignalListener('SIGTERM', stop);
}
