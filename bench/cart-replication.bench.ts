// `npm run bench -- cart-replication`: `npm start -- --regions 2` (cart and orders, workerd, real
// Postgres), then a PUT in eu-west timed until us-east serves it: replication lag through the
// outbox, the local QStash and the other region's merge, as a client polling every 5 ms sees it.
// Also the size of the causal metadata: the context per vector entry and per cart item.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseVector } from '../shared/consistency/index.ts';
import { startDevstack } from '../devstack/stack.ts';
import { percentile } from './stats.ts';

const samples = Number(process.env.BENCH_CART_WRITES ?? 100);
const inFlight = Number(process.env.BENCH_CART_IN_FLIGHT ?? 4);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `bench-${process.pid}`;

interface Cart {
  items: { sku: string; quantity: number }[];
  context: string;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Puts one sku in eu-west and waits until us-east shows that quantity; the lag in ms. */
async function lag(eu: string, us: string, customer: string, sku: string, quantity: number) {
  await json(`${eu}/carts/${customer}/items/${sku}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quantity }),
  });
  const written = performance.now();
  for (;;) {
    const cart = await json<Cart>(`${us}/carts/${customer}`);
    if (cart.items.some((item) => item.sku === sku && item.quantity === quantity)) {
      return performance.now() - written;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function lags(eu: string, us: string, total: number, concurrency: number) {
  const measured: number[] = [];
  let next = 0;
  const worker = async (w: number) => {
    for (let i = next++; i < total; i = next++) {
      measured.push(await lag(eu, us, `${run}-${w}`, `sku-${i}`, 1 + (i % 9)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return measured.sort((a, b) => a - b);
}

/** The context a client carries and the cart as stored (`formatCart`'s JSON), per entry and item. */
async function sizes(cartUrl: string, customer: string) {
  const cart = await json<Cart>(`${cartUrl}/carts/${customer}`);
  const bytes = Buffer.byteLength(cart.context);
  const entries = parseVector(cart.context).entries.length;
  console.log(`\ncart ${customer}: ${cart.items.length} items, context "${cart.context}"`);
  console.log(
    `context: ${bytes} bytes, ${entries} entries, ${(bytes / entries).toFixed(1)} bytes per entry`,
  );
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ doc: string }>(
    "select doc::text as doc from es_documents where projection = 'carts' and id = $1",
    [customer],
  );
  await client.end();
  const stored = Buffer.byteLength(JSON.stringify(JSON.parse(rows[0]?.doc ?? '{}')));
  const bare = Buffer.byteLength(
    JSON.stringify(cart.items.map((item) => [item.sku, item.quantity])),
  );
  console.log(
    `stored cart: ${stored} bytes; the items alone as [sku, quantity] pairs: ${bare}; ` +
      `${((stored - bare) / cart.items.length).toFixed(1)} bytes of causal metadata per item`,
  );
}

const stateRoot = await mkdtemp(join(tmpdir(), 'edgemesh-bench-cart-'));
const stack = await startDevstack({
  runtime: 'workerd',
  ports: { neon: 0, redis: 0, functions: 0, otlp: 0, qstash: 0, control: 0 },
  databaseUrl,
  redisUrl: process.env.REDIS_URL,
  only: ['cart', 'orders'],
  regions: 2,
  stateDir: join(stateRoot, '.devstack'),
  writeFiles: false,
});
try {
  const { 'eu-west': eu, 'us-east': us } = stack.endpoints.regions ?? {};
  if (!eu || !us) throw new Error('no regions in the devstack');
  await lags(eu.cart, us.cart, 10, 1); // warm-up
  console.log(
    `replication lag eu-west → us-east (PUT answered → visible in us-east), ${samples} writes`,
  );
  console.log('in flight |   p50 ms |   p99 ms |   max ms');
  for (const concurrency of [1, inFlight]) {
    const sorted = await lags(eu.cart, us.cart, samples, concurrency);
    const row = [percentile(sorted, 50), percentile(sorted, 99), sorted.at(-1) ?? NaN];
    console.log(
      `${String(concurrency).padStart(9)} | ${row.map((v) => v.toFixed(1).padStart(8)).join(' | ')}`,
    );
  }
  // The other region writes to the same cart too, so its context has an entry per region.
  for (let i = 0; i < 5; i += 1) await lag(us.cart, eu.cart, `${run}-0`, `us-sku-${i}`, 2);
  await sizes(us.cart, `${run}-0`);
} finally {
  await stack.stop();
  await rm(stateRoot, { recursive: true, force: true });
}
