import type { Hono } from 'hono';
import type * as z from 'zod';
import { denoServeHandler } from '../runtime/deno-serve.ts';
import { workerEntry } from '../runtime/entry.ts';
import { currentPlatform } from '../runtime/platform.ts';
import type { ExecutionContextLike } from '../runtime/index.ts';
import { serviceApp } from './app.ts';
import { checkDefinition, type ServiceDefinition, type ServiceRoutes } from './definition.ts';
import type { ServiceDeps } from './deps.ts';
import { cronOutboxSweep } from './cron-sweep.ts';
import { depsFromEnv } from './from-env.ts';
import { settingsSchemaOf } from './settings.ts';

/** A defined function: its declaration, an app builder, and the `fetch` every platform calls. */
export interface Service<
  Config extends z.ZodObject = z.ZodObject,
  Extra extends object = object,
  Routes extends ServiceRoutes = ServiceRoutes,
  Settings extends z.ZodObject = z.ZodObject,
> {
  readonly name: string;
  readonly port: number;
  readonly definition: ServiceDefinition<Config, Extra, Routes, Settings>;
  /** The schema of its live settings: the toolkit's and its own (what `npm run config` checks). */
  readonly settings: z.ZodObject;
  /** The whole app (routes, toolkit routes, telemetry) over given base deps; tests and hosts. */
  build(base: ServiceDeps<z.infer<Config>, z.output<Settings>>): {
    app: Hono;
    deps: ServiceDeps<z.infer<Config>, z.output<Settings>> & Extra;
  };
  /**
   * Workers' module `fetch(request, env, ctx)`, and `deno serve`'s `fetch(request)`: the app is
   * built once per isolate from the platform's env.
   */
  fetch(request: Request, env?: unknown, ctx?: ExecutionContextLike): Promise<Response>;
  /** With an outbox: Workers' Cron Trigger handler, an outbox sweep (`triggers.crons`). */
  scheduled?: ReturnType<typeof cronOutboxSweep>;
}

/**
 * Declares a function; the toolkit derives its entries, `/health`, `/metrics`, errors,
 * telemetry, service auth, outbox relay and sweep, consumers and dead letters. Default-export
 * the result from `functions/<name>/service.ts`: that module is the Workers entry and what
 * `deno serve` runs.
 * @example export default defineService({ name: 'shipping', port: 8792, events, routes });
 */
export function defineService<
  Config extends z.ZodObject = z.ZodObject,
  Extra extends object = object,
  Routes extends ServiceRoutes = ServiceRoutes,
  Settings extends z.ZodObject = z.ZodObject,
>(
  definition: ServiceDefinition<Config, Extra, Routes, Settings>,
): Service<Config, Extra, Routes, Settings> {
  const generic = definition as unknown as ServiceDefinition;
  checkDefinition(generic);

  type Deps = ServiceDeps<z.infer<Config>, z.output<Settings>>;
  function build(base: Deps) {
    const deps = { ...base, ...definition.deps?.(base) } as Deps & Extra;
    return { deps, app: serviceApp(generic, deps, definition.routes(deps)) };
  }

  const fromEnv = (
    env: Parameters<typeof depsFromEnv>[1],
    runtime: Parameters<typeof depsFromEnv>[2],
    bindings: Readonly<Record<string, unknown>> = {},
  ) => build(depsFromEnv<z.infer<Config>, z.output<Settings>>(generic, env, runtime, bindings)).app;
  let entry:
    | ((request: Request, env?: unknown, ctx?: ExecutionContextLike) => Promise<Response>)
    | undefined;

  function platformEntry() {
    if (currentPlatform() === 'deno') {
      const serve = denoServeHandler(fromEnv, {
        mainModuleSuffix: `/${definition.name}/service.ts`,
      });
      return (request: Request) => serve(request);
    }
    const worker = workerEntry(fromEnv);
    return (request: Request, env?: unknown, ctx?: ExecutionContextLike) =>
      worker.fetch(request, (env ?? {}) as Record<string, unknown>, ctx!);
  }

  // On Deno, `deno serve` evaluates this module as its main one: build now, so a bad
  // configuration stops the process before it listens.
  if (currentPlatform() === 'deno') entry = platformEntry();

  return {
    name: definition.name,
    port: definition.port,
    definition,
    settings: settingsSchemaOf(definition.settings),
    build,
    fetch(request, env, ctx) {
      entry ??= platformEntry();
      return entry(request, env, ctx);
    },
    ...(definition.outbox
      ? {
          scheduled: cronOutboxSweep((env, runtime, bindings) =>
            depsFromEnv(generic, env, runtime, bindings),
          ),
        }
      : {}),
  };
}
