import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ListenError } from './listen.ts';
import { localDevDatabase } from './postgres/local-default.ts';
import { startDevstack, type Devstack } from './stack.ts';

const usage = `usage: npm start -- [--runtime workerd|deno] [--port N] [--neon-port N] [--redis-port N] [--otlp-port N] [--qstash-port N] [--control-port N] [--console-port N] [--reference-port N] [--only a,b] [--state-dir DIR] [--redis auto|redis-server|embedded] [--pglite] [--regions 1|2]`;

function fail(message: string): never {
  console.error(`devstack: ${message}`);
  process.exit(1);
}

function portOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--${name} must be a port number, got "${value}"`);
  return port;
}

function parseCli() {
  try {
    return parseArgs({
      options: {
        runtime: { type: 'string', default: 'workerd' },
        port: { type: 'string' },
        'neon-port': { type: 'string' },
        'redis-port': { type: 'string' },
        'otlp-port': { type: 'string' },
        'qstash-port': { type: 'string' },
        'control-port': { type: 'string' },
        'reference-port': { type: 'string' },
        'console-port': { type: 'string' },
        only: { type: 'string' },
        'state-dir': { type: 'string' },
        redis: { type: 'string', default: 'auto' },
        pglite: { type: 'boolean', default: false },
        regions: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
}

function printTable(stack: Devstack, postgresNote: string): void {
  const rows: Array<[string, string, string]> = [
    ['postgres', stack.plane.postgres.description + postgresNote, stack.plane.postgres.url],
    ['neon /sql', 'HTTP', stack.plane.postgres.fetchEndpoint],
    ['neon ws', 'WebSocket', `ws://${stack.plane.postgres.wsProxy}`],
    ['redis', stack.plane.redis.description, stack.plane.redis.restUrl],
    ['otlp', 'OTLP/HTTP traces', stack.plane.otlp.url],
    ['qstash', `QStash API, state in schema ${stack.plane.qstash.schema}`, stack.plane.qstash.url],
    ...(stack.endpoints.etcd
      ? [
          ['etcd', stack.endpoints.etcd.description, stack.endpoints.etcd.url] as [
            string,
            string,
            string,
          ],
        ]
      : []),
    ['control', 'faults and restarts (docs/devstack-faults.md)', stack.endpoints.control],
    ['reference', 'API reference (OpenAPI) of every function', stack.endpoints.reference],
    ...(stack.endpoints.console
      ? [
          ['console', 'operations console (docs/console.md)', stack.endpoints.console] as [
            string,
            string,
            string,
          ],
        ]
      : []),
    ...stack.functions.map((fn): [string, string, string] => [fn.name, fn.runtime, fn.url]),
    ...Object.entries(stack.endpoints.regions ?? {}).map(
      ([region, { cart }]): [string, string, string] => [`cart ${region}`, 'region', cart],
    ),
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [name, kind, url] of rows) {
    console.log(`  ${name.padEnd(widths[0]!)}  ${kind.padEnd(widths[1]!)}  ${url}`);
  }
  console.log(
    `\n  operator token (console changes, inventory's PUT /stock): ${stack.vars.EDGEMESH_OPERATOR_TOKEN}`,
  );
  console.log('\n  wrote .dev.vars and .devstack/endpoints.json — Ctrl-C stops everything');
}

async function main(): Promise<void> {
  const values = parseCli();
  if (values.help) {
    console.log(usage);
    return;
  }
  const runtime = values.runtime;
  if (runtime !== 'workerd' && runtime !== 'deno')
    fail(`--runtime must be workerd or deno, got "${runtime}"`);
  const redisKind = values.redis;
  if (redisKind !== 'auto' && redisKind !== 'redis-server' && redisKind !== 'embedded') {
    fail(`--redis must be auto, redis-server or embedded, got "${redisKind}"`);
  }
  const regions = Number(values.regions);
  if (regions !== 1 && regions !== 2) fail(`--regions must be 1 or 2, got "${values.regions}"`);
  const only = values.only
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const started = Date.now();
  // DATABASE_URL, else a Postgres answering on 127.0.0.1:5432 (database edgemesh_dev), else
  // PGlite; --pglite (or DEVSTACK_POSTGRES=pglite) skips the first two.
  const forcePglite = values.pglite === true || process.env.DEVSTACK_POSTGRES === 'pglite';
  const found = forcePglite || process.env.DATABASE_URL ? undefined : await localDevDatabase();
  const databaseUrl = forcePglite ? undefined : (process.env.DATABASE_URL ?? found);
  const postgresNote = found
    ? ' (found on 127.0.0.1:5432; --pglite for PGlite)'
    : databaseUrl
      ? ''
      : forcePglite
        ? ''
        : ' (no Postgres on 127.0.0.1:5432)';
  let stack: Devstack;
  try {
    stack = await startDevstack({
      runtime,
      ports: {
        functions: portOption(values.port, 'port', 8787),
        neon: portOption(values['neon-port'], 'neon-port', 4444),
        redis: portOption(values['redis-port'], 'redis-port', 8079),
        otlp: portOption(values['otlp-port'], 'otlp-port', 4318),
        qstash: portOption(values['qstash-port'], 'qstash-port', 8080),
        control: portOption(values['control-port'], 'control-port', 8099),
        reference: portOption(values['reference-port'], 'reference-port', 8097),
        console: portOption(values['console-port'], 'console-port', 8098),
      },
      databaseUrl,
      redisUrl: process.env.REDIS_URL,
      redisKind: redisKind === 'auto' ? undefined : redisKind,
      regions,
      ...(only ? { only } : {}),
      ...(values['state-dir'] ? { stateDir: resolve(values['state-dir']) } : {}),
      log: (line) => console.log(`  · ${line}`),
    });
  } catch (error) {
    fail(
      error instanceof ListenError || error instanceof Error
        ? error.message.split('\n')[0]!
        : String(error),
    );
  }
  console.log(`edgemesh devstack up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  printTable(stack, postgresNote);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    setTimeout(() => {
      console.error('devstack: forced exit after 10 s');
      process.exit(1);
    }, 10_000).unref();
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => fail(String(error)),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // miniflare's exit hook would process.exit() on the signal before PGlite and redis-server
    // are closed; the devstack stops every piece itself, miniflare included.
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
}

await main();
