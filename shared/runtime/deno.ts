import type { Env, Runtime } from './runtime.ts';

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
  return Deno.env.toObject();
}

/** The port from `PORT`, or `fallback`. */
export function denoPort(fallback: number): number {
  const raw = Deno.env.get('PORT');
  return raw ? Number(raw) : fallback;
}

/** Resolves once every promise handed to waitUntil has settled. */
export async function drainDeno(): Promise<void> {
  await Promise.all([...pending]);
}
