// `npm run bench`: latency of the devstack's endpoints and of the orders function, with and
// without the compatibility layers, so their overhead is visible. Loopback only, bounded runs.
import { Redis as IORedis } from 'ioredis';
import { Redis } from '@upstash/redis';
import pg from 'pg';
import { createSql } from '../shared/postgres/neon.ts';
import { startDevstack, type Devstack } from '../devstack/stack.ts';
import { formatRow, header, measure } from './stats.ts';

const total = Number(process.env.BENCH_REQUESTS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function benchDataPlane(stack: Devstack): Promise<void> {
  const vars = stack.vars;
  const direct = new pg.Pool({ connectionString: vars.DATABASE_URL, max: concurrency });
  const sql = createSql({
    DATABASE_URL: vars.DATABASE_URL!,
    NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
  });
  console.log(
    formatRow(
      'postgres: pg, select $1 (direct TCP)',
      await measure(async (i) => void (await direct.query('select $1::int', [i])), {
        total,
        concurrency,
      }),
    ),
  );
  console.log(
    formatRow(
      'postgres: neon() over /sql endpoint',
      await measure(async (i) => void (await sql.query('select $1::int', [i])), {
        total,
        concurrency,
      }),
    ),
  );
  await direct.end();

  const upstash = new Redis({
    url: vars.UPSTASH_REDIS_REST_URL!,
    token: vars.UPSTASH_REDIS_REST_TOKEN!,
    enableTelemetry: false,
  });
  console.log(
    formatRow(
      `redis: @upstash/redis SET+GET (${stack.plane.redis.kind})`,
      await measure(
        async (i) => {
          await upstash.set(`bench:${i % 100}`, i);
          await upstash.get(`bench:${i % 100}`);
        },
        { total, concurrency },
      ),
    ),
  );
  if (stack.plane.redis.kind !== 'embedded') {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const direct = new IORedis(url);
    console.log(
      formatRow(
        'redis: ioredis SET+GET (direct TCP)',
        await measure(
          async (i) => {
            await direct.set(`bench:${i % 100}`, i);
            await direct.get(`bench:${i % 100}`);
          },
          { total, concurrency },
        ),
      ),
    );
    direct.disconnect();
  }
}

async function benchOrders(stack: Devstack, runtime: string): Promise<void> {
  const url = stack.endpoints.functions.orders!;
  // One customer per order: a customer may place 30 orders a minute (its rate limit).
  const body = (i: number) =>
    JSON.stringify({
      customerId: `bench-${runtime}-${i}`,
      items: [{ sku: 'kettle', quantity: 1, unitPrice: 2599 }],
    });
  const ids: string[] = [];
  console.log(
    formatRow(
      `orders on ${runtime}: POST /orders`,
      await measure(
        async (i) => {
          const response = await fetch(`${url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(i),
          });
          if (response.status !== 201 && response.status !== 202) {
            throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
          }
          ids.push(((await response.json()) as { orderId: string }).orderId);
        },
        { total, concurrency },
      ),
    ),
  );
  console.log(
    formatRow(
      `orders on ${runtime}: GET /orders/:id`,
      await measure(
        async (i) => {
          const response = await fetch(`${url}/orders/${ids[Math.abs(i) % ids.length]}`);
          await response.arrayBuffer();
        },
        { total, concurrency },
      ),
    ),
  );
}

console.log(`${total} requests per scenario, ${concurrency} in flight\n`);
console.log(header);
for (const runtime of ['workerd', 'deno'] as const) {
  const stack = await startDevstack({
    runtime,
    ports: { neon: 0, redis: 0, functions: 0 },
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: process.env.REDIS_URL,
    writeFiles: false,
    // The console scrapes every /metrics each 2 s: load that is not what is timed.
    console: false,
    // orders and notifications: without the participants no saga runs, so the HTTP, storage and
    // outbox path is what is timed (the whole order flow is bench/saga.bench.ts).
    only: ['orders', 'notifications'],
  });
  try {
    if (runtime === 'workerd') await benchDataPlane(stack);
    await benchOrders(stack, runtime);
  } finally {
    await stack.stop();
  }
}
