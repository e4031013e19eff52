// The .proto contract: buf lint, no wire or JSON breaking change against the proto the branch
// started from, and functions/orders/gen exactly what `npm run proto` generates from it.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'node_modules/.bin');
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
const scratch = await mkdtemp(join(tmpdir(), 'edgemesh-proto-'));

afterAll(() => rm(scratch, { recursive: true, force: true }));

const buf = (args: string[], cwd = root) => run(join(bin, 'buf'), args, { cwd, env });
const git = async (...args: string[]) =>
  (await run('git', args, { cwd: root })).stdout.trim() || undefined;
const attempt = <T>(promise: Promise<T>) => promise.catch(() => undefined);

async function files(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const found: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    found[relative(dir, path)] = await readFile(path, 'utf8');
  }
  return found;
}

/**
 * The commit to compare with: where this branch left main, or, on main itself (a CI clone of
 * main), the commit before HEAD. Undefined in a clone with no history.
 */
async function baseline(): Promise<string | undefined> {
  const head = await git('rev-parse', 'HEAD');
  const main = await attempt(git('merge-base', 'HEAD', 'main'));
  if (main && main !== head) return main;
  return attempt(git('rev-parse', '--verify', '--quiet', 'HEAD~1'));
}

describe('proto/', () => {
  it('passes buf lint', async () => {
    await expect(buf(['lint', 'proto'])).resolves.toBeDefined();
  });

  it('makes no wire or JSON breaking change against the proto the branch started from', async () => {
    const base = await baseline();
    const listed = base && (await attempt(git('ls-tree', '-d', base, 'proto')));
    if (!listed) return; // No earlier proto: nothing it could break.
    const before = join(scratch, 'before');
    await run(
      'sh',
      ['-c', `mkdir -p "${before}" && git archive ${base} proto | tar -x -C "${before}"`],
      {
        cwd: root,
      },
    );
    const result = await buf(['breaking', 'proto', '--against', join(before, 'proto')]).catch(
      (error: Error & { stdout?: string }) => ({ stdout: error.stdout ?? error.message }),
    );
    expect(result.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
  });

  it('is what functions/orders/gen holds (after changing it, run npm run proto)', async () => {
    const fresh = join(scratch, 'gen');
    await buf(['generate', '-o', fresh], join(root, 'proto'));
    const generated = await files(join(fresh, '../functions/orders/gen'));
    expect(generated).toEqual(await files(join(root, 'functions/orders/gen')));
  });
});
