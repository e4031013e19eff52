import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Service } from '../../shared/service/index.ts';
import { repoRoot } from '../paths.ts';

/** One function of the system: its name and entry files. */
export interface FunctionSpec {
  name: string;
  /** The module workerd runs (its default export has `fetch`). */
  workerEntry: string;
  /** The module Deno runs. */
  denoEntry: string;
  /** `deno serve` the entry's default export (functions); else `deno run` it (fixtures). */
  denoServe?: boolean;
}

/** Every folder under functions/ that has a service.ts, sorted by name. */
export function listFunctions(root = repoRoot): FunctionSpec[] {
  const dir = join(root, 'functions');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'service.ts')))
    .map((entry) => {
      const service = join(dir, entry.name, 'service.ts');
      return { name: entry.name, workerEntry: service, denoEntry: service, denoServe: true };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A function's definition, read from its service.ts (its default export). */
export async function loadService(spec: FunctionSpec): Promise<Service> {
  const module = (await import(pathToFileURL(spec.workerEntry).href)) as { default?: Service };
  const service = module.default;
  if (!service?.definition || service.name !== spec.name) {
    throw new Error(
      `${spec.workerEntry} must default-export defineService({ name: '${spec.name}', … })`,
    );
  }
  return service;
}

/** The definitions of `specs`, in order. */
export function loadServices(specs: readonly FunctionSpec[]): Promise<Service[]> {
  return Promise.all(specs.map(loadService));
}
