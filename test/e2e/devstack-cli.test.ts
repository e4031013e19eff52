import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.ts';
import { stackTestTimeoutMs } from '../support/timeouts.ts';

const freePorts = [
  ...['--port', '0', '--redis-port', '0', '--qstash-port', '0'],
  ...['--otlp-port', '0', '--control-port', '0', '--console-port', '0', '--reference-port', '0'],
];

function startCli(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', 'devstack/cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
}

function output(child: ChildProcessWithoutNullStreams) {
  let text = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    errors += chunk.toString();
  });
  return {
    get text() {
      return text;
    },
    get stderr() {
      return errors;
    },
    waitFor(needle: string, timeoutMs = 90_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${needle}" in output:\n${text}`)),
          timeoutMs,
        );
        const check = () => {
          if (text.includes(needle)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        check();
      });
    },
  };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

describe('npm start', () => {
  const vars = inject('devstackVars');
  const env = { DATABASE_URL: vars.DATABASE_URL! };
  let stateRoot: string;

  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'edgemesh-cli-'));
  });

  afterAll(async () => {
    await rm(stateRoot, { recursive: true, force: true });
  });

  it(
    'serves every function, writes .dev.vars and endpoints.json, and frees its ports on SIGTERM',
    async () => {
      const stateDir = join(stateRoot, '.devstack');
      const child = startCli([...freePorts, '--neon-port', '0', '--state-dir', stateDir], env);
      const out = output(child);
      await out.waitFor('Ctrl-C stops everything');

      const endpoints = JSON.parse(await readFile(join(stateDir, 'endpoints.json'), 'utf8')) as {
        functions: Record<string, string>;
        postgres: { fetchEndpoint: string };
        redis: { restUrl: string };
        reference: string;
        console: string;
      };
      const ordersUrl = endpoints.functions.orders!;
      expect(out.text).toContain(ordersUrl);
      expect(out.text).toContain(endpoints.console);
      expect(await (await fetch(endpoints.console)).text()).toContain('edgemesh console');
      const health = await fetch(`${ordersUrl}/health`);
      expect(health.status).toBe(200);
      const endpointsInstance = (endpoints as { instance?: string }).instance;
      expect(endpointsInstance).toMatch(/^[\da-f-]{36}$/);
      expect(((await health.json()) as { instance?: string }).instance).toBe(endpointsInstance);

      // The API reference: its page, each function's document, and calls through its proxy.
      expect(out.text).toContain(endpoints.reference);
      const page = await fetch(endpoints.reference);
      expect(await page.text()).toContain('specs/orders.json');
      expect((await fetch(`${endpoints.reference}assets/swagger-ui-bundle.js`)).status).toBe(200);
      const document = (await (await fetch(`${endpoints.reference}specs/orders.json`)).json()) as {
        servers: Array<{ url: string }>;
        paths: Record<string, unknown>;
      };
      expect(document.servers).toEqual([expect.objectContaining({ url: '/functions/orders' })]);
      expect(Object.keys(document.paths)).toContain('/orders/{id}');
      const proxied = await fetch(`${endpoints.reference}functions/orders/health`);
      expect(((await proxied.json()) as { service?: string }).service).toBe('orders');

      const devVars = await readFile(join(stateRoot, '.dev.vars'), 'utf8');
      for (const name of [
        'DATABASE_URL',
        'NEON_FETCH_ENDPOINT',
        'NEON_WS_PROXY',
        'UPSTASH_REDIS_REST_URL',
        'UPSTASH_REDIS_REST_TOKEN',
        'SERVICE_AUTH_SECRET',
        'SERVICE_ORDERS_URL',
        'QSTASH_URL',
        'QSTASH_TOKEN',
        'QSTASH_CURRENT_SIGNING_KEY',
        'QSTASH_NEXT_SIGNING_KEY',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
      ]) {
        expect(devVars).toMatch(new RegExp(`^${name}=".+"$`, 'm'));
      }

      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      expect(await refused(`${ordersUrl}/health`)).toBe(true);
      expect(await refused(endpoints.console)).toBe(true);
      expect(await refused(endpoints.redis.restUrl)).toBe(true);
      expect(await refused(endpoints.postgres.fetchEndpoint)).toBe(true);
    },
    stackTestTimeoutMs,
  );

  it(
    'fails with one line naming a port that is already in use',
    async () => {
      const blocker = createServer();
      const port = await new Promise<number>((resolve) =>
        blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
      );
      try {
        const child = startCli(
          [...freePorts, '--neon-port', String(port), '--state-dir', join(stateRoot, 'busy')],
          env,
        );
        const out = output(child);
        expect(await exitOf(child)).toBe(1);
        const lines = out.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`port ${port}`);
        expect(lines[0]).toContain('already in use');
      } finally {
        blocker.close();
      }
    },
    stackTestTimeoutMs,
  );

  it('rejects an unknown runtime with one line', async () => {
    const child = startCli(['--runtime', 'bun'], env);
    const out = output(child);
    expect(await exitOf(child)).toBe(1);
    expect(out.stderr.trim()).toBe('devstack: --runtime must be workerd or deno, got "bun"');
  });
});
