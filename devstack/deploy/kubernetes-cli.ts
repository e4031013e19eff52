// `npm run deploy:kubernetes`: writes deploy/kubernetes/ from the functions' definitions: the
// kustomize base (one file per function) and an overlay per environment, whose settings
// (config/<name>.env) and secrets (secrets/<name>.env, kept out of git) the operator fills in.
// `--check` writes nothing and fails with one line when a file differs from what it would write.
import { repoRoot } from '../paths.ts';
import { syncKubernetes } from './write-kubernetes.ts';

try {
  const check = process.argv.includes('--check');
  const changed = await syncKubernetes(repoRoot, { write: !check });
  if (check && changed.length > 0) {
    throw new Error(
      `${changed.join(', ')} differ from the definitions: run npm run deploy:kubernetes`,
    );
  }
  for (const path of changed) console.log(`wrote ${path}`);
  if (changed.length === 0) console.log('deploy/kubernetes matches the definitions.');
} catch (error) {
  console.error(`deploy:kubernetes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
