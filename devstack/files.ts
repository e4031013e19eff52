import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Renders variables in the dotenv format wrangler reads from `.dev.vars`. */
export function renderDevVars(vars: Record<string, string>): string {
  const lines = Object.entries(vars)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `# Written by \`npm start\`; every function's local configuration.\n${lines.join('\n')}\n`;
}

/** Writes `.dev.vars` in `root` and `endpoints.json` in `stateDir`. */
export async function writeDevstackFiles(
  root: string,
  stateDir: string,
  vars: Record<string, string>,
  endpoints: unknown,
): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(join(root, '.dev.vars'), renderDevVars(vars), { mode: 0o600 });
  // Written aside, then renamed: a reader polling for the file (npm run chaos) never sees half of it.
  const file = join(stateDir, 'endpoints.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
