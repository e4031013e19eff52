// `npm run deploy:kubernetes`: writes deploy/kubernetes/ from the functions' definitions: the
// kustomize base (one file per function) and an overlay per environment, whose settings
// (config/<name>.env) and secrets (secrets/<name>.env, kept out of git) the operator fills in.
// `--check` writes nothing and fails with one line when a file differs from what it would write.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { listFunctions, loadServices } from '../functions/catalog.ts';
import { repoRoot } from '../paths.ts';
import { kubernetesFiles } from './kubernetes-files.ts';

try {
  const check = process.argv.includes('--check');
  const definitions = (await loadServices(listFunctions())).map((service) => service.definition);
  const files = kubernetesFiles(definitions, stringify);
  const stale: string[] = [];
  for (const [path, text] of Object.entries(files)) {
    const file = join(repoRoot, path);
    const current = existsSync(file) ? await readFile(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) stale.push(path);
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `${stale.join(', ')} differ from the definitions: run npm run deploy:kubernetes`,
    );
  }
  if (check)
    console.log(`deploy/kubernetes matches the definitions (${definitions.length} functions).`);
} catch (error) {
  console.error(`deploy:kubernetes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
