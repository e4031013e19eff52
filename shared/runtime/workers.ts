import type { ExecutionContextLike, Runtime } from './runtime.ts';

/** Cloudflare Workers runtime for one invocation; `ctx` is the handler's execution context. */
export function workersRuntime(ctx?: ExecutionContextLike): Runtime {
  return {
    name: 'workerd',
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    waitUntil(promise) {
      if (ctx) ctx.waitUntil(promise);
      else promise.catch(() => {});
    },
  };
}

/** Keeps only the string-valued bindings (vars and secrets) of a Workers `env`. */
export function stringBindings(env: Record<string, unknown>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') vars[key] = value;
  }
  return vars;
}
