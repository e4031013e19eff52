// `npm start -- --regions 2`: two carts, each on its own database, replicating through the local
// QStash; conflicting writes in both regions converge, a client's context carries its writes
// across regions, and the anti-entropy sweep answers over real HTTP. In workerd; the same in Deno
// with CART_E2E_RUNTIME=deno (kept out of npm test for time).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';
import { signQstashMessage } from '../../shared/queue/index.ts';

interface Cart {
  items: { sku: string; quantity: number }[];
  context: string;
  caughtUp: boolean;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe('npm start -- --regions 2', () => {
  const vars = inject('devstackVars');
  const customer = `e2e-${randomUUID().slice(0, 8)}`;
  let stateRoot: string;
  let child: ReturnType<typeof spawn>;
  let carts: Record<string, string> = {};
  let signingKey = '';

  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'edgemesh-regions-'));
    const stateDir = join(stateRoot, '.devstack');
    const args = ['--port', '0', '--neon-port', '0', '--redis-port', '0', '--qstash-port', '0'];
    args.push(
      '--otlp-port',
      '0',
      '--control-port',
      '0',
      '--console-port',
      '0',
      '--only',
      'cart,orders',
    );
    args.push('--regions', '2', '--state-dir', stateDir);
    args.push('--runtime', process.env.CART_E2E_RUNTIME ?? 'workerd');
    child = spawn(process.execPath, ['--import', 'tsx', 'devstack/cli.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: vars.DATABASE_URL! },
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not up:\n${out}`)), 120_000);
      const check = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
    });
    const endpoints = JSON.parse(await readFile(join(stateDir, 'endpoints.json'), 'utf8')) as {
      regions: Record<string, { cart: string }>;
    };
    carts = Object.fromEntries(
      Object.entries(endpoints.regions).map(([name, { cart }]) => [name, cart]),
    );
    const devVars = await readFile(join(stateRoot, '.dev.vars'), 'utf8');
    signingKey = /^QSTASH_CURRENT_SIGNING_KEY="(.+)"$/m.exec(devVars)?.[1] ?? '';
  }, 180_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    await new Promise((resolve) =>
      child?.exitCode === null ? child.once('exit', resolve) : resolve(null),
    );
    await rm(stateRoot, { recursive: true, force: true });
  });

  const send = async (region: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${carts[region]}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Cart };
  };
  const read = (region: string, context?: string) =>
    send(
      region,
      'GET',
      `/carts/${customer}${context === undefined ? '' : `?context=${context}`}`,
    ).then((r) => r.body);

  it('lists both regions in endpoints.json, each cart on its own database', async () => {
    expect(Object.keys(carts)).toEqual(['eu-west', 'us-east']);
    for (const url of Object.values(carts)) expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('converges conflicting writes made in both regions at once', async () => {
    await Promise.all([
      send('eu-west', 'PUT', `/carts/${customer}/items/apple`, { quantity: 2 }),
      send('us-east', 'PUT', `/carts/${customer}/items/apple`, { quantity: 5 }),
      send('us-east', 'PUT', `/carts/${customer}/items/fig`, { quantity: 1 }),
    ]);
    // Converged: both regions hold the same cart with both skus. Each change replicates on its
    // own, so one region can see the fig before the other region's apple.
    const [eu, us] = await eventually(
      () => Promise.all([read('eu-west'), read('us-east')]),
      ([a, b]) =>
        a.items.length === 2 &&
        JSON.stringify(a.items) === JSON.stringify(b.items) &&
        a.context === b.context,
    );
    expect(eu.items).toEqual([
      { sku: 'apple', quantity: 5 },
      { sku: 'fig', quantity: 1 },
    ]);
    expect(us).toEqual(eu);
  }, 60_000);

  it("carries a client's write to the other region with its context, and sweeps over real HTTP", async () => {
    const written = await send('eu-west', 'PUT', `/carts/${customer}/items/pear`, { quantity: 3 });
    const seen = await read('us-east', written.body.context);
    expect(seen.caughtUp).toBe(true);
    expect(seen.items).toContainEqual({ sku: 'pear', quantity: 3 });
    // Each region keeps its own events: us-east's log (in its own database) has the pear only
    // as a merge from eu-west.
    const types = async (database: string) => {
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      const { rows } = await client.query<{ type: string }>(
        'select type from es_events where stream_id = $1 order by global_position',
        [`cart-${customer}`],
      );
      await client.end();
      return rows.map((row) => row.type);
    };
    const main = vars.DATABASE_URL!;
    const usEast = await types(`${main}_us_east`);
    expect(usEast).toContain('CartReplicaMerged');
    expect(usEast.filter((type) => type === 'CartItemSet')).toHaveLength(2);
    expect((await types(main)).filter((type) => type === 'CartItemSet')).toHaveLength(2);
    const url = `${carts['eu-west']}/replication/sweep`;
    const sweep = await fetch(url, {
      method: 'POST',
      headers: {
        'upstash-signature': await signQstashMessage({ key: signingKey, url, body: '{}' }),
      },
      body: '{}',
    });
    expect(sweep.status).toBe(200);
  }, 60_000);
});
