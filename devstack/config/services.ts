import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { repoRoot } from '../paths.ts';

/** What the config CLI needs of a service: its name and its settings schema, if any. */
export interface ServiceSettingsSpec {
  readonly name: string;
  readonly settings?: z.ZodType;
  /** The service.ts it came from. */
  readonly file: string;
}

const isZodType = (value: unknown): value is z.ZodType =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { safeParse?: unknown }).safeParse === 'function';

/**
 * Imports every `<functionsDir>/<folder>/service.ts` and reads its default export, which by
 * contract is an object with `name: string` and an optional `settings` zod schema (what
 * `defineService` returns). Throws one line naming the file that breaks the contract.
 */
export async function loadServiceSettings(
  functionsDir = process.env.EDGEMESH_FUNCTIONS_DIR || join(repoRoot, 'functions'),
): Promise<ServiceSettingsSpec[]> {
  if (!existsSync(functionsDir)) throw new Error(`no functions directory at ${functionsDir}`);
  const files = readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(functionsDir, entry.name, 'service.ts'))
    .filter((file) => existsSync(file))
    .sort();
  const specs: ServiceSettingsSpec[] = [];
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${shown} failed to load: ${message.split('\n')[0]}`);
    }
    const service = module.default as { name?: unknown; settings?: unknown } | undefined;
    if (typeof service !== 'object' || service === null || typeof service.name !== 'string') {
      throw new Error(`${shown} must default-export a service with a name (defineService)`);
    }
    if (service.settings !== undefined && !isZodType(service.settings)) {
      throw new Error(`${shown}: settings of ${service.name} must be a zod schema`);
    }
    if (specs.some((spec) => spec.name === service.name)) {
      throw new Error(`${shown}: a second service named ${service.name}`);
    }
    specs.push({
      name: service.name,
      file,
      ...(service.settings ? { settings: service.settings } : {}),
    });
  }
  return specs;
}
