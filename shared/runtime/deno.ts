import type { Env, Runtime } from './runtime.ts';

/** The part of Deno's global namespace the toolkit uses; typed here so Node's tsc checks it too. */
export interface DenoGlobal {
  readonly env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  readonly mainModule: string;
  exit(code?: number): never;
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
}

/** Deno's namespace; throws outside Deno. */
export function denoGlobal(): DenoGlobal {
  const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (!deno) throw new Error('not running on Deno');
  return deno;
}

const pending = new Set<Promise<unknown>>();

/** Deno runtime: waitUntil tracks promises so a shutdown can drain them. */
export function denoRuntime(): Runtime {
  return {
    name: 'deno',
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    waitUntil(promise) {
      const tracked = promise.catch(() => {}).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
  };
}

/** Deno's environment as a plain object. */
export function denoEnv(): Env {
  return denoGlobal().env.toObject();
}

/** Resolves once every promise handed to waitUntil has settled. */
export async function drainDeno(): Promise<void> {
  await Promise.all([...pending]);
}
