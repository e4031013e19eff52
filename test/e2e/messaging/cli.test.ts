import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeServer, listen } from '../../../devstack/listen.ts';
import { repoRoot } from '../../../devstack/paths.ts';

const run = promisify(execFile);
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const vars = inject('devstackVars');
const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });

async function cli(script: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(tsx, [join(repoRoot, 'devstack', script), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run setup:qstash', () => {
  const suffix = `-cli-${randomUUID().slice(0, 8)}`;
  const env = {
    QSTASH_URL: vars.QSTASH_URL!,
    QSTASH_TOKEN: vars.QSTASH_TOKEN!,
    QSTASH_TOPOLOGY_SUFFIX: suffix,
    SERVICE_NOTIFICATIONS_URL: 'http://127.0.0.1:9/notifications',
    SERVICE_ORDERS_URL: 'http://127.0.0.1:9/orders',
    SERVICE_INVENTORY_URL: 'http://127.0.0.1:9/inventory',
    SERVICE_SHIPPING_URL: 'http://127.0.0.1:9/shipping',
    SERVICE_CART_URL: 'http://127.0.0.1:9/cart',
  };

  afterAll(async () => {
    await qstash.urlGroups.delete(`order-events${suffix}`).catch(() => {});
    await qstash.schedules.delete(`orders-outbox-sweep${suffix}`).catch(() => {});
    await qstash.schedules.delete(`inventory-outbox-sweep${suffix}`).catch(() => {});
    await qstash.schedules.delete(`cart-outbox-sweep${suffix}`).catch(() => {});
    await qstash.schedules.delete(`cart-anti-entropy${suffix}`).catch(() => {});
  });

  it('applies the topology, and a second run changes nothing', async () => {
    const first = await cli('setup-qstash.ts', [], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`topic order-events${suffix}: add notifications`);
    expect(first.stdout).toContain('shipping http://127.0.0.1:9/shipping');
    expect(first.stdout).toContain(`schedule orders-outbox-sweep${suffix}: * * * * *`);
    expect(first.stdout).toContain(`schedule inventory-outbox-sweep${suffix}: * * * * *`);
    expect(first.stdout).toContain(`schedule cart-anti-entropy${suffix}: * * * * *`);
    const second = await cli('setup-qstash.ts', [], env);
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe(
      'QStash already matches the topology (1 topics, 4 schedules).',
    );
  });

  it('fails with one line naming a missing variable', async () => {
    const result = await cli('setup-qstash.ts', [], { QSTASH_URL: vars.QSTASH_URL! });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('QSTASH_TOKEN');
  });
});

describe('npm run dlq', () => {
  const env = { QSTASH_URL: vars.QSTASH_URL!, QSTASH_TOKEN: vars.QSTASH_TOKEN! };
  let fixed = false;
  let delivered = 0;
  let server: Server;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (!fixed) {
          res.writeHead(489, { 'upstash-nonretryable-error': 'true' }).end('{"code":"poison"}');
          return;
        }
        delivered += 1;
        res.writeHead(200).end();
      });
    });
    url = `http://127.0.0.1:${await listen(server, 0)}/dlq-${randomUUID()}`;
  });
  afterAll(() => closeServer(server));

  it('lists a dead letter with its last response and replays it by id', async () => {
    const { messageId } = await qstash.publishJSON({ url, body: { poison: true } });
    for (let i = 0; i < 200; i++) {
      const { messages } = await qstash.dlq.listMessages({ filter: { url } });
      if (messages.some((m) => m.messageId === messageId)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const listed = (await cli('dlq-cli.ts', ['list', '--url', url], env)).stdout;
    const line = listed.split('\n').find((l) => l.includes(messageId)) ?? '';
    expect(line).toContain('489');
    expect(line).toContain('response={"code":"poison"}');
    const dlqId = line.split('  ')[0]!;
    fixed = true;
    const replayed = await cli('dlq-cli.ts', ['replay', dlqId], env);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('1 message(s) replayed.');
    for (let i = 0; i < 100 && delivered === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delivered).toBe(1);
    expect((await cli('dlq-cli.ts', ['list', '--url', url], env)).stdout).toContain(
      '0 dead letter(s).',
    );
  });

  it('answers a wrong command with its usage on one line', async () => {
    const result = await cli('dlq-cli.ts', ['purge'], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^dlq: usage: npm run dlq -- list/);
  });
});
