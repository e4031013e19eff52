import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints } from './stack.ts';

async function instanceAt(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { instance?: unknown };
    return typeof body.instance === 'string' ? body.instance : undefined;
  } catch {
    return undefined;
  }
}

/** The `endpoints.json` under `stateDir`, or undefined when there is none. */
export function readEndpoints(stateDir: string): Endpoints | undefined {
  const file = join(stateDir, 'endpoints.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}

/**
 * The devstack whose `endpoints.json` is under `stateDir`, when every function it lists answers
 * `/health` with that devstack's instance id; undefined when the file is stale (the stack
 * stopped, or another checkout's stack now holds the ports).
 */
export async function liveDevstack(stateDir: string): Promise<Endpoints | undefined> {
  const endpoints = readEndpoints(stateDir);
  if (!endpoints?.instance) return undefined;
  const urls = Object.values(endpoints.functions ?? {});
  if (urls.length === 0) return undefined;
  const instances = await Promise.all(urls.map(instanceAt));
  return instances.every((instance) => instance === endpoints.instance) ? endpoints : undefined;
}
