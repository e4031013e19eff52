import type { Hono } from 'hono';
import { isEdgeMeshError } from '../errors/edgemesh-error.ts';
import { problemResponse, toProblem } from '../errors/problem.ts';
import type { Env, ExecutionContextLike } from './runtime.ts';
import { createRequestContexts } from './request-contexts.ts';
import type { Runtime } from './runtime.ts';
import { stringBindings } from './workers.ts';

/** Builds the app from the string vars, the runtime, and the raw bindings (service bindings, KV…). */
type AppFactory = (env: Env, runtime: Runtime, bindings: Readonly<Record<string, unknown>>) => Hono;

/** What a Workers module exports: `export default workerEntry(...)`. */
export interface WorkerEntry {
  fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: ExecutionContextLike,
  ): Promise<Response>;
}

/**
 * Builds a Workers `fetch` that creates the app once per isolate and env, and answers every
 * request with a CONFIG problem (and one logged line) while the configuration is invalid.
 */
export function workerEntry(createApp: AppFactory): WorkerEntry {
  // A cache, not state: a new isolate rebuilds the same app from the same env.
  const apps = new WeakMap<object, Hono>();
  const contexts = createRequestContexts();
  const runtime: Runtime = {
    name: 'workerd',
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    waitUntil: (promise) => contexts.waitUntil(promise),
  };
  return {
    async fetch(request, env, ctx) {
      let app = apps.get(env);
      if (!app) {
        try {
          app = createApp(stringBindings(env), runtime, env);
        } catch (error) {
          if (!isEdgeMeshError(error)) throw error;
          console.error(error.message);
          return problemResponse(toProblem(error, { instance: new URL(request.url).pathname }));
        }
        apps.set(env, app);
      }
      const ready = app;
      return contexts.serve(ctx, async () => ready.fetch(request, env, ctx));
    },
  };
}
