// `npm run demo [-- --orders N --concurrency C]`: the reference system end to end. Uses a running
// `npm start` of this checkout (.devstack/endpoints.json, its functions answering its instance id)
// or starts one itself; seeds stock, places N orders with
// a mix of outcomes (confirmed, out_of_stock, payment_declined), shows a progress bar while the
// sagas settle, prints a summary and checks the shop's invariants (README, the reference shop); exits 1 if one fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { liveDevstack, readEndpoints } from './live.ts';
import { repoRoot, stateDir } from './paths.ts';
import type { Endpoints } from './stack.ts';

function parseCli() {
  try {
    return parseArgs({
      options: {
        orders: { type: 'string', default: '200' },
        concurrency: { type: 'string', default: '8' },
        'timeout-s': { type: 'string', default: '120' },
      },
    }).values;
  } catch (error) {
    console.error(`demo: ${(error as Error).message.split('\n')[0]}`);
    process.exit(1);
  }
}

const values = parseCli();
const total = Number(values.orders);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-s']) * 1000;
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('demo: --orders and --concurrency must be positive whole numbers');
  process.exit(1);
}

type Functions = Record<'orders' | 'inventory' | 'payments', string> & { operatorToken?: string };

/** The operator token of the stack whose state is in `stateDir` (its `.dev.vars`, beside it). */
function operatorTokenOf(dir: string): string | undefined {
  const file = join(dir, '..', '.dev.vars');
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('EDGEMESH_OPERATOR_TOKEN='));
  return line ? (JSON.parse(line.slice('EDGEMESH_OPERATOR_TOKEN='.length)) as string) : undefined;
}

function shopOf(endpoints: Endpoints | undefined): Functions | undefined {
  const { orders, inventory, payments } = endpoints?.functions ?? {};
  return orders && inventory && payments ? { orders, inventory, payments } : undefined;
}

/** The shop of this checkout's running devstack: its functions answer its own instance id. */
async function runningStack(): Promise<Functions | undefined> {
  const shop = shopOf(await liveDevstack(stateDir));
  const operatorToken = operatorTokenOf(stateDir);
  return shop && { ...shop, ...(operatorToken ? { operatorToken } : {}) };
}

async function startStack(dir: string): Promise<{ functions: Functions; child: ChildProcess }> {
  const state = join(dir, '.devstack');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'devstack', 'cli.ts'),
      '--port',
      '0',
      '--neon-port',
      '0',
      '--redis-port',
      '0',
      '--otlp-port',
      '0',
      '--qstash-port',
      '0',
      '--control-port',
      '0',
      '--reference-port',
      '0',
      '--console-port',
      '0',
      '--state-dir',
      state,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    const shop = shopOf(readEndpoints(state));
    const operatorToken = operatorTokenOf(state);
    if (shop) return { functions: { ...shop, ...(operatorToken ? { operatorToken } : {}) }, child };
    if (child.exitCode !== null) throw new Error('the devstack did not start');
    if (Date.now() > deadline) throw new Error('the devstack did not start within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function bar(done: number, of: number, width = 40): string {
  const filled = Math.round((done / of) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${of} settled`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function main(): Promise<number> {
  let owned: { child: ChildProcess; dir: string } | undefined;
  let functions = await runningStack();
  if (functions) {
    console.log(`demo: using the running devstack (${functions.orders})`);
  } else {
    console.log('demo: no running devstack answers; starting one (npm start) for this run…');
    const dir = await mkdtemp(join(tmpdir(), 'edgemesh-demo-'));
    const started = await startStack(dir);
    owned = { child: started.child, dir };
    functions = started.functions;
  }
  try {
    return await demo(functions);
  } finally {
    if (owned) {
      owned.child.kill('SIGTERM');
      await new Promise((resolve) => owned.child.once('exit', resolve));
      await rm(owned.dir, { recursive: true, force: true });
    }
  }
}

async function demo(fns: Functions): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const { seeded, kettles } = await seedStock(fns, run);
  const placed = await placeOrders(fns, run, kettles);
  const settled = await awaitSettled(fns, placed);
  printSummary(placed, settled);
  return (await checkInvariants(fns, seeded, placed, settled)) ? 0 : 1;
}

type Placed = Array<{ orderId: string; at: number }>;
type Settled = Map<string, { status: string; reason?: string; ms: number }>;

async function seedStock(fns: Functions, run: string) {
  // Plenty of kettles in eight models (one stock stream each, so orders do not all queue on
  // one sku); few lamps, so some lamp orders find none left.
  const kettles = Array.from({ length: 8 }, (_, i) => `kettle-${i}-${run}`);
  const seeded: Record<string, number> = {
    ...Object.fromEntries(kettles.map((sku) => [sku, Math.ceil(total / 2)])),
    [`lamp-${run}`]: Math.max(2, Math.floor(total / 20)),
  };
  for (const [sku, available] of Object.entries(seeded)) {
    const { status } = await json(`${fns.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(fns.operatorToken ? { authorization: `Bearer ${fns.operatorToken}` } : {}),
      },
      body: JSON.stringify({ available }),
    });
    if (status !== 200) throw new Error(`seeding ${sku} answered ${status}`);
  }
  console.log(
    `demo: seeded ${Object.entries(seeded)
      .map(([sku, n]) => `${sku}=${n}`)
      .join(', ')}`,
  );
  return { seeded, kettles };
}

async function placeOrders(fns: Functions, run: string, kettles: string[]): Promise<Placed> {
  // Every 10th customer is declined by payments' rule (ids starting with `decline-`); every
  // 4th order asks for 2 lamps.
  const orders = Array.from({ length: total }, (_, i) => ({
    customerId: i % 10 === 9 ? `decline-${run}-${i}` : `customer-${run}-${i}`,
    items:
      i % 4 === 1
        ? [{ sku: `lamp-${run}`, quantity: 2, unitPrice: 4_500 }]
        : [{ sku: kettles[(i * 3) % kettles.length]!, quantity: 1 + (i % 3), unitPrice: 2_599 }],
  }));
  const placed: Placed = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < orders.length) {
        const order = orders[next++]!;
        const at = performance.now();
        const { status, body } = await json<{ orderId: string }>(`${fns.orders}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(order),
        });
        if (status !== 202) throw new Error(`POST /orders answered ${status}`);
        placed.push({ orderId: body.orderId, at });
      }
    }),
  );
  return placed;
}

/** Polls every placed order until all have settled or the timeout passes, drawing a bar. */
async function awaitSettled(fns: Functions, placed: Placed): Promise<Settled> {
  const settled: Settled = new Map();
  const deadline = Date.now() + timeoutMs;
  while (settled.size < placed.length && Date.now() < deadline) {
    const pending = placed.filter((p) => !settled.has(p.orderId));
    let index = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
        while (index < pending.length) {
          const { orderId, at } = pending[index++]!;
          const { status, body } = await json<{ status: string; reason?: string }>(
            `${fns.orders}/orders/${orderId}`,
          );
          if (status === 200 && body.status !== 'pending') {
            settled.set(orderId, {
              status: body.status,
              ...(body.reason ? { reason: body.reason } : {}),
              ms: performance.now() - at,
            });
          }
        }
      }),
    );
    process.stdout.write(`\r${bar(settled.size, placed.length)}`);
    if (settled.size < placed.length) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write('\n\n');
  return settled;
}

function printSummary(placed: Placed, settled: Settled): void {
  const outcomes = new Map<string, number>();
  for (const { status, reason } of settled.values()) {
    const key = status === 'confirmed' ? 'confirmed' : `cancelled: ${reason ?? '?'}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const times = [...settled.values()].map((s) => s.ms).sort((a, b) => a - b);
  console.log('outcome                          orders');
  for (const [key, count] of [...outcomes.entries()].sort()) {
    console.log(`${key.padEnd(32)} ${String(count).padStart(6)}`);
  }
  if (settled.size < placed.length) {
    console.log(
      `${'still pending'.padEnd(32)} ${String(placed.length - settled.size).padStart(6)}`,
    );
  }
  console.log(
    `\ntime to settle (POST /orders → confirmed/cancelled, polled every ~100 ms): p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms\n`,
  );
}

/** Checks the shop's invariants, printing each; true if every one holds. */
async function checkInvariants(
  fns: Functions,
  seeded: Record<string, number>,
  placed: Placed,
  settled: Settled,
): Promise<boolean> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}`);
    if (!ok) failures.push(what);
  };
  check(settled.size === placed.length, 'every order ended confirmed or cancelled');
  for (const [sku, total] of Object.entries(seeded)) {
    const { body } = await json<{ available: number; reserved: number; sold: number }>(
      `${fns.inventory}/stock/${sku}`,
    );
    check(
      body.available + body.reserved + body.sold === total && body.available >= 0,
      `${sku}: available ${body.available} + reserved ${body.reserved} + sold ${body.sold} = ${total}`,
    );
    check(body.reserved === 0, `${sku}: nothing left reserved`);
  }
  let doubleOrWrong = 0;
  for (const { orderId } of placed) {
    const order = settled.get(orderId);
    const { status, body } = await json<{ status: string }>(`${fns.payments}/payments/${orderId}`);
    const captured = status === 200 && body.status === 'captured';
    if ((order?.status === 'confirmed') !== captured) doubleOrWrong += 1;
  }
  check(
    doubleOrWrong === 0,
    'each confirmed order holds exactly one capture (one payment per order), no cancelled order holds one',
  );
  return failures.length === 0;
}

process.exit(await main());
