import { cp, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFunctions, loadServices } from '../../../../devstack/functions/catalog.ts';
import { repoRoot } from '../../../../devstack/paths.ts';
import { denoTasks } from '../../../../devstack/scaffold/deno-tasks.ts';
import { scaffold } from '../../../../devstack/scaffold/scaffold.ts';

describe('deno.json', () => {
  it('serves each function on its declared port, as npm start does, and deploys each with deno deploy', async () => {
    const deno = JSON.parse(await readFile(join(repoRoot, 'deno.json'), 'utf8')) as {
      tasks: Record<string, string>;
    };
    const services = await loadServices(listFunctions());
    expect(deno.tasks).toEqual(
      denoTasks(
        deno.tasks,
        services.map(({ name, port }) => ({ name, port })),
      ),
    );
  });
});

describe('npm run new', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgemesh-new-'));
    for (const entry of ['functions', 'shared', 'wrangler.toml', 'deno.json', '.prettierrc.json']) {
      await cp(join(repoRoot, entry), join(root, entry), { recursive: true });
    }
    await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const snapshot = async () => ({
    functions: (await readdir(join(root, 'functions'))).sort(),
    wrangler: await readFile(join(root, 'wrangler.toml'), 'utf8'),
    deno: await readFile(join(root, 'deno.json'), 'utf8'),
  });

  it('creates the folder, a unit test, a wrangler environment and a Deno task on the next port', async () => {
    const result = await scaffold({ root, name: 'gift-cards', consumer: 'order-events' });
    const ports = (await loadServices(listFunctions())).map((service) => service.port);
    expect(result.port).toBe(Math.max(...ports) + 1);
    expect(result.created).toEqual([
      'functions/gift-cards/domain.ts',
      'functions/gift-cards/schema.ts',
      'functions/gift-cards/app.ts',
      'functions/gift-cards/service.ts',
      'test/unit/functions/gift-cards/app.test.ts',
    ]);
    const service = await readFile(join(root, 'functions/gift-cards/service.ts'), 'utf8');
    expect(service).toContain(`port: ${result.port}`);
    expect(service).toContain(
      "subscriptions: [{ topic: 'order-events', path: '/events/order-events' }]",
    );
    expect(await readFile(join(root, 'wrangler.toml'), 'utf8')).toContain(
      '[env.gift-cards]\nname = "edgemesh-gift-cards"\nmain = "functions/gift-cards/service.ts"',
    );
    const deno = JSON.parse(await readFile(join(root, 'deno.json'), 'utf8')) as {
      tasks: Record<string, string>;
    };
    expect(deno.tasks['dev:gift-cards']).toContain(
      `--port ${result.port} functions/gift-cards/service.ts`,
    );
    expect(deno.tasks['deploy:gift-cards']).toBe('deno deploy --app edgemesh-gift-cards --prod');
  });

  it.each([
    ['an invalid name', 'Gift_Cards', /not a function name/],
    ['an existing function', 'orders', /functions\/orders already exists/],
    ['an invalid topic', 'gifts', /not a topic name/],
  ])('refuses %s with one line and changes nothing', async (_what, name, message) => {
    const before = await snapshot();
    const consumer = name === 'gifts' ? 'order events!' : undefined;
    await expect(scaffold({ root, name, ...(consumer ? { consumer } : {}) })).rejects.toThrow(
      message,
    );
    expect(await snapshot()).toEqual(before);
  });
});
