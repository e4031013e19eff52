import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { listFunctions, loadServices } from '../functions/catalog.ts';
import { kubernetesFiles } from './kubernetes-files.ts';

/**
 * Brings deploy/kubernetes/ under `root` in line with the functions' definitions; returns the
 * paths that differed. With `write: false` only compares.
 */
export async function syncKubernetes(root: string, { write = true } = {}): Promise<string[]> {
  const definitions = (await loadServices(listFunctions(root))).map((s) => s.definition);
  const changed: string[] = [];
  for (const [path, text] of Object.entries(kubernetesFiles(definitions, stringify))) {
    const file = join(root, path);
    const current = existsSync(file) ? await readFile(file, 'utf8') : undefined;
    if (current === text) continue;
    changed.push(path);
    if (!write) continue;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return changed;
}
