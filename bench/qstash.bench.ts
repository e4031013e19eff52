// `npm run bench -- qstash`: publish → delivery through the devstack's QStash server against
// real Postgres. The server runs in its own process (as under `npm start`, where publishers are
// functions in workerd); this process runs the official client and a receiver. Each sample is
// one publish, timed from the call until the receiver gets the signed delivery.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from '@upstash/qstash';
import { closeServer, listen } from '../devstack/listen.ts';
import { startQstashServer } from '../devstack/qstash/index.ts';
import { spawnReporting } from './child-process.ts';
import { formatRow, header, summarize } from './stats.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.BENCH_MESSAGES ?? 4000);

if (process.argv.includes('--server')) {
  const server = await startQstashServer({
    databaseUrl,
    schema: `qstash_bench_${process.pid}`,
    dropSchemaOnClose: true,
    synchronousCommit: process.argv.includes('--sync-commit'),
  });
  console.log(JSON.stringify({ url: server.url, token: server.token }));
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
} else {
  await main();
}

async function startServerProcess(syncCommit: boolean) {
  // BENCH_PROFILE_DIR=dir writes a CPU profile of the server process there.
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR]
    : [];
  const {
    report: { url, token },
    child,
  } = await spawnReporting<{ url: string; token: string }>(fileURLToPath(import.meta.url), {
    args: ['--server', ...(syncCommit ? ['--sync-commit'] : [])],
    nodeFlags: profile,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return {
    url,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

async function main(): Promise<void> {
  const waiting = new Map<string, () => void>();
  const early = new Set<string>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200).end();
      const id = String(req.headers['upstash-message-id']);
      const done = waiting.get(id);
      if (done) done();
      else early.add(id);
    });
  });
  const port = await listen(receiver, 0);
  const url = `http://127.0.0.1:${port}/hook`;
  let client: Client;
  const body = JSON.stringify({ orderId: 'bench', items: [{ sku: 'kettle', quantity: 1 }] });

  function delivered(id: string): Promise<void> {
    if (early.delete(id)) return Promise.resolve();
    return new Promise((resolve) =>
      waiting.set(id, () => {
        waiting.delete(id);
        resolve();
      }),
    );
  }

  async function publishAndAwait(): Promise<{ publishMs: number; totalMs: number }> {
    const t0 = performance.now();
    const { messageId } = await client.publish({
      url,
      body,
      headers: { 'content-type': 'application/json' },
    });
    const t1 = performance.now();
    await delivered(messageId);
    return { publishMs: t1 - t0, totalMs: performance.now() - t0 };
  }

  async function run(publishers: number, mode: string) {
    for (let i = 0; i < 50; i += 1) await publishAndAwait();
    const endToEnd: number[] = [];
    const publishOnly: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        while (next < total) {
          next += 1;
          const { publishMs, totalMs } = await publishAndAwait();
          publishOnly.push(publishMs);
          endToEnd.push(totalMs);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const summary = (values: number[]) => summarize(values, seconds);
    console.log(formatRow(`${mode}: publish → delivered, ${publishers} pub.`, summary(endToEnd)));
    console.log(formatRow(`  of which the publish call`, summary(publishOnly)));
  }

  console.log(
    `${total} messages per scenario; Postgres at ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}\n`,
  );
  console.log(header);
  try {
    for (const syncCommit of [false, true]) {
      const server = await startServerProcess(syncCommit);
      client = new Client({ baseUrl: server.url, token: server.token, enableTelemetry: false });
      try {
        for (const publishers of [1, 32])
          await run(publishers, syncCommit ? 'sync commit' : 'async commit');
      } finally {
        await server.close();
      }
    }
  } finally {
    await closeServer(receiver);
  }
}
