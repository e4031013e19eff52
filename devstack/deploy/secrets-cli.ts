// `npm run deploy:secrets -- <function> [--template] [--env-file]`: every secret the function
// needs in production, named by its definition, with values from this shell's environment: JSON
// for `wrangler secret bulk` (default), or KEY=value lines for a Kubernetes Secret, `docker run
// --env-file` or Deno Deploy. `--template` prints the names with empty values.
import { listFunctions, loadService } from '../functions/catalog.ts';
import { secretsOf } from './variables.ts';

const usage = 'usage: npm run deploy:secrets -- <function> [--template] [--env-file]';

function formatted(values: Record<string, string>, envFile: boolean): string {
  if (!envFile) return JSON.stringify(values, null, 2);
  return Object.entries(values)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}

try {
  const args = process.argv.slice(2);
  const name = args.find((arg) => !arg.startsWith('--'));
  const spec = listFunctions().find((candidate) => candidate.name === name);
  if (!spec) {
    throw new Error(
      name ? `no function named "${name}" under functions/ (${usage})` : `no function (${usage})`,
    );
  }
  const names = secretsOf((await loadService(spec)).definition);
  const template = args.includes('--template');
  const missing = names.filter((secret) => !template && !process.env[secret]);
  if (missing.length > 0) {
    throw new Error(`${spec.name} needs ${missing.join(', ')}: set them in the environment`);
  }
  const values = Object.fromEntries(
    names.map((secret) => [secret, template ? '' : process.env[secret]!]),
  );
  console.log(formatted(values, args.includes('--env-file')));
} catch (error) {
  console.error(`deploy:secrets: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
