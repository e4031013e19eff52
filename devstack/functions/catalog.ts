import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

/** One function of the system: its name and its two entry files. */
export interface FunctionSpec {
  name: string;
  workerEntry: string;
  denoEntry: string;
}

/** Every folder under functions/ that has a worker.ts, sorted by name. */
export function listFunctions(root = repoRoot): FunctionSpec[] {
  const dir = join(root, 'functions');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'worker.ts')))
    .map((entry) => ({
      name: entry.name,
      workerEntry: join(dir, entry.name, 'worker.ts'),
      denoEntry: join(dir, entry.name, 'deno.ts'),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
