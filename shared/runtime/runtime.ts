/** The platform seam: the only four things the toolkit asks of the host. */
export interface Runtime {
  /** Which host runs this isolate. */
  readonly name: 'workerd' | 'deno' | 'node';
  /** The platform's fetch, bound so it can be passed around. */
  readonly fetch: typeof fetch;
  /** Wall-clock time in milliseconds since the epoch. */
  now(): number;
  /** Keeps the isolate alive until `promise` settles, without delaying the response. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Whether one object may carry I/O for many requests at once, e.g. group commit in the event
 * store: everywhere but workerd, where a request may not settle a promise that another request's
 * I/O resolves.
 */
export function sharesIoAcrossRequests(runtime: Pick<Runtime, 'name'>): boolean {
  return runtime.name !== 'workerd';
}

/** What Hono's `c.executionCtx` needs from every entry file. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  readonly props: unknown;
}

/** Turns a Runtime into the execution context Hono's `fetch(request, env, ctx)` expects. */
export function executionContextOf(runtime: Runtime): ExecutionContextLike {
  return {
    waitUntil: (promise) => runtime.waitUntil(promise),
    passThroughOnException() {},
    props: {},
  };
}

/** Plain string environment, as every platform can provide it. */
export type Env = Readonly<Record<string, string | undefined>>;
