// `npx tsx bench/saga-peers/try-engine.ts <dbos|restate> [orders]`: one engine of the saga-peers
// bench against the devstack's inventory and payments (workerd, real Postgres and Redis), a
// handful of orders, each checked against what the participants recorded. A check, not a bench.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { dataPlaneSql, startDataPlane } from '../../devstack/data-plane.ts';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import { startFunctions } from '../../devstack/functions/start.ts';
import { freePort } from '../../devstack/listen.ts';
import { migrateFunctions } from '../../devstack/migrations.ts';
import { startDbos } from './dbos.ts';
import type { PeerOrder, StartEngine } from './engine.ts';
import { participantsOf } from './participant-calls.ts';
import { startRestate } from './restate.ts';

const engines: Record<string, StartEngine> = { dbos: startDbos, restate: startRestate };
const [engineName = 'dbos', count = '20'] = process.argv.slice(2);
const startEngine = engines[engineName];
if (!startEngine) {
  console.error(`try-engine: no engine ${engineName} (one of ${Object.keys(engines).join(', ')})`);
  process.exit(1);
}

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `${process.pid}`;

/** A fresh database on the bench's Postgres, dropped by the returned function. */
async function freshDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.set('application_name', name);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

const planeDb = await freshDatabase(`saga_peers_try_plane_${run}`);
const engineDb = await freshDatabase(`saga_peers_try_${engineName}_${run}`);
const plane = await startDataPlane({
  databaseUrl: planeDb.url,
  redisUrl: process.env.REDIS_URL,
  neonPort: 0,
  redisPort: 0,
  redisToken: `try-${randomUUID()}`,
  qstashSchema: `qstash_try_${run}`,
  qstashDropSchemaOnStop: true,
});
const names = ['inventory', 'payments'];
await migrateFunctions(
  dataPlaneSql(plane),
  listFunctions().filter((spec) => names.includes(spec.name)),
);
const ports = { inventory: await freePort(), payments: await freePort() };
const urls = {
  inventory: `http://127.0.0.1:${ports.inventory}`,
  payments: `http://127.0.0.1:${ports.payments}`,
};
const auth = { secret: `try-secret-${randomUUID()}`, caller: 'orders' };
const operatorToken = `try-operator-${randomUUID()}`;
const functions = await startFunctions(
  listFunctions().filter((spec) => names.includes(spec.name)),
  {
    runtime: 'workerd',
    ports,
    vars: {
      ...plane.vars,
      LOG_LEVEL: 'warn',
      SERVICE_AUTH_SECRET: auth.secret,
      EDGEMESH_OPERATOR_TOKEN: operatorToken,
      SERVICE_INVENTORY_URL: urls.inventory,
      SERVICE_PAYMENTS_URL: urls.payments,
    },
  },
);
const participants = participantsOf({
  inventoryUrl: urls.inventory,
  paymentsUrl: urls.payments,
  auth,
});

let failures = 0;
try {
  const skus = { plenty: `try-${run}-plenty`, none: `try-${run}-none` };
  for (const [sku, available] of [
    [skus.plenty, 1000],
    [skus.none, 0],
  ] as const) {
    const response = await fetch(`${urls.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({ available }),
    });
    if (!response.ok) throw new Error(`PUT /stock/${sku}: ${response.status}`);
  }
  const engine = await startEngine({ participants, databaseUrl: engineDb.url });
  console.log(`${engine.name}: ${engine.durability}; pids ${engine.pids().join(', ')}`);
  try {
    const orders: PeerOrder[] = Array.from({ length: Number(count) }, (_, i) => ({
      orderId: `try-${run}-${i}`,
      customerId: `${i % 5 === 4 ? 'decline-' : 'c-'}${i}`,
      sku: i % 7 === 6 ? skus.none : skus.plenty,
      quantity: 1,
      amountCents: 999,
      decline: i % 5 === 4,
    }));
    const started = performance.now();
    const outcomes = await Promise.all(orders.map((order) => engine.run(order)));
    const ms = performance.now() - started;
    for (const [i, order] of orders.entries()) {
      const expected = order.decline || order.sku === skus.none ? 'cancelled' : 'confirmed';
      const read = async (service: 'inventory' | 'payments', path: string) => {
        const headers = await participants.headers(service, { method: 'GET', path });
        const response = await fetch(`${urls[service]}${path}`, { headers });
        if (!response.ok) return `none (${response.status})`;
        return ((await response.json()) as { status: string }).status;
      };
      const reservation = await read('inventory', `/reservations/${order.orderId}`);
      const payment = await read('payments', `/payments/${order.orderId}`);
      const settled =
        expected === 'confirmed'
          ? reservation === 'confirmed' && payment === 'captured'
          : reservation !== 'held' && reservation !== 'confirmed' && payment !== 'captured';
      const ok = outcomes[i] === expected && settled;
      if (!ok) failures += 1;
      console.log(
        `${ok ? 'ok  ' : 'FAIL'} ${order.orderId}: ${outcomes[i]} (expected ${expected}); reservation ${reservation}, payment ${payment}`,
      );
    }
    console.log(`${orders.length} orders in ${ms.toFixed(0)} ms, ${failures} wrong`);
  } finally {
    await engine.stop();
  }
} finally {
  await Promise.all(functions.map((fn) => fn.stop()));
  await plane.stop();
  await engineDb.drop();
  await planeDb.drop();
}
process.exit(failures === 0 ? 0 : 1);
