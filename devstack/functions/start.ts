import type { FunctionSpec } from './catalog.ts';
import { startOnDeno } from './deno.ts';
import type { RunningFunction } from './running.ts';
import { startOnWorkerd } from './workerd.ts';

export type FunctionRuntime = 'workerd' | 'deno';

export interface StartFunctionsOptions {
  runtime: FunctionRuntime;
  /** The port of each function, by name. */
  ports: Readonly<Record<string, number>>;
  /** Variables for every function, beyond the SERVICE_<NAME>_URL ones. */
  vars: Record<string, string>;
  log?: (line: string) => void;
}

/** Starts every function on the chosen runtime; stops those already started if one fails. */
export async function startFunctions(
  specs: readonly FunctionSpec[],
  { runtime, ports, vars, log }: StartFunctionsOptions,
): Promise<RunningFunction[]> {
  const start = runtime === 'deno' ? startOnDeno : startOnWorkerd;
  const running: RunningFunction[] = [];
  try {
    for (const spec of specs) {
      const port = ports[spec.name] ?? 0;
      running.push(await start(spec, { port, vars, ...(log ? { log } : {}) }));
    }
  } catch (error) {
    await Promise.all(running.map((fn) => fn.stop()));
    throw error;
  }
  return running;
}
