// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or the named ones) one after another,
// each in its own process, and keeps what each printed in bench/results/<name>.txt.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const resultsDir = join(benchDir, 'results');
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace('.bench.ts', '')))
  .sort();

if (files.length === 0) {
  console.error(`bench: no benchmark named ${wanted.join(', ')}`);
  process.exit(1);
}

await mkdir(resultsDir, { recursive: true });
let failed = 0;
for (const file of files) {
  const name = file.replace('.bench.ts', '');
  console.log(`\n## ${name}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) failed += 1;
  await writeFile(join(resultsDir, `${name}.txt`), `# ${new Date().toISOString()}\n${output}`);
}
process.exit(failed > 0 ? 1 : 0);
