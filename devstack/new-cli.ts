// `npm run new -- <name> [--consumer <topic>]`: a new function in the shape of the reference ones,
// with its unit test, wrangler.toml environment, Deno tasks and Kubernetes manifests. A bad name is one line, exit 1,
// nothing written.
import { parseArgs } from 'node:util';
import { syncKubernetes } from './deploy/write-kubernetes.ts';
import { repoRoot } from './paths.ts';
import { scaffold, ScaffoldError } from './scaffold/scaffold.ts';

const usage = 'usage: npm run new -- <name> [--consumer <topic>]';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { consumer: { type: 'string' } },
  });
  const [name, ...rest] = positionals;
  if (!name || rest.length > 0) throw new ScaffoldError(usage);
  const result = await scaffold({
    root: repoRoot,
    name,
    ...(values.consumer !== undefined ? { consumer: values.consumer } : {}),
  });
  for (const path of result.created) console.log(`created ${path}`);
  for (const path of result.changed) console.log(`updated ${path}`);
  // Its Kubernetes manifests too, now that its definition exists.
  for (const path of await syncKubernetes(repoRoot)) console.log(`wrote ${path}`);
  console.log(
    `\nfunctions/${name} serves on port ${result.port} (npm start, deno task dev:${name}).` +
      `\nNext: its domain in domain.ts, its routes in app.ts; npm test runs its unit test.`,
  );
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`new: ${message.split('\n')[0]}`);
  process.exitCode = 1;
}
