import { experimentHeader } from '../../shared/chaos/index.ts';
import type { ChaosTarget } from './target.ts';

/** One order placed: its id and when its first POST was sent (Date.now()). */
export interface Placed {
  readonly orderId: string;
  readonly at: number;
}

/**
 * An order that ended: its status, reason, when its terminal event was recorded (epoch ms) and
 * ms from its first POST to that event. Read from the order's history, not from when the poll
 * saw it, so the times are the system's and not the harness's polling interval.
 */
export interface Settled {
  readonly status: string;
  readonly reason?: string;
  readonly endedAt: number;
  readonly ms: number;
  readonly history: readonly string[];
}

const concurrency = 8;
const terminalEvents = new Set(['OrderConfirmed', 'OrderCancelled']);

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

/** Stock for one run: four kettle skus for most orders, one scarce lamp so some run out. */
export async function seedStock(
  target: ChaosTarget,
  run: string,
  orders: number,
): Promise<Record<string, number>> {
  const seeded: Record<string, number> = {
    ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`kettle-${i}-${run}`, orders])),
    [`lamp-${run}`]: Math.max(2, Math.floor(orders / 10)),
  };
  for (const [sku, available] of Object.entries(seeded)) {
    const { status } = await json(`${target.functions.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(target.operatorToken ? { authorization: `Bearer ${target.operatorToken}` } : {}),
      },
      body: JSON.stringify({ available }),
    });
    if (status !== 200) throw new Error(`seeding ${sku} answered ${status}`);
  }
  return seeded;
}

function orderBody(run: string, i: number) {
  return {
    customerId: i % 10 === 9 ? `decline-${run}-${i}` : `customer-${run}-${i}`,
    items:
      i % 5 === 1
        ? [{ sku: `lamp-${run}`, quantity: 1, unitPrice: 4_500 }]
        : [{ sku: `kettle-${i % 4}-${run}`, quantity: 1, unitPrice: 2_599 }],
  };
}

/**
 * POSTs one order, again with the same Idempotency-Key while the system answers 5xx (≤ 30 s).
 * `experiment` is sent as `x-chaos-experiment`, so rules can single out this run's traffic.
 */
async function placeOne(
  target: ChaosTarget,
  run: string,
  i: number,
  experiment: string,
): Promise<Placed | undefined> {
  const at = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const { status, body } = await json<{ orderId: string }>(
        `${target.functions.orders}/orders`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `chaos-${run}-${i}`,
            [experimentHeader]: experiment,
          },
          body: JSON.stringify(orderBody(run, i)),
        },
      );
      if (status === 202) return { orderId: body.orderId, at };
      if (status < 500 && status !== 429) return undefined;
    } catch {
      // connection refused or timed out: the same key again below
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

/** Places `total` orders of `experiment`, 8 at a time; `midway` runs once half have been sent. */
export async function placeOrders(
  target: ChaosTarget,
  { run, experiment, total }: { run: string; experiment: string; total: number },
  midway: () => Promise<unknown>,
): Promise<Placed[]> {
  const placed: Placed[] = [];
  let next = 0;
  let middle: Promise<unknown> | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        if (i === Math.floor(total / 2)) middle = midway();
        const order = await placeOne(target, run, i, experiment);
        if (order) placed.push(order);
      }
    }),
  );
  await middle;
  return placed;
}

/** Polls the orders not yet settled, once, recording those now terminal. */
export async function pollSettled(
  target: ChaosTarget,
  placed: readonly Placed[],
  settled: Map<string, Settled>,
): Promise<void> {
  const pending = placed.filter((p) => !settled.has(p.orderId));
  let index = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
      while (index < pending.length) {
        const { orderId, at } = pending[index++]!;
        const { status, body } = await json<{
          status: string;
          reason?: string;
          history: { type: string; at: string }[];
        }>(`${target.functions.orders}/orders/${orderId}`).catch(() => ({
          status: 0,
          body: undefined,
        }));
        if (status === 200 && body && body.status !== 'pending') {
          const ended = body.history.find((event) => terminalEvents.has(event.type));
          const endedAt = Date.parse(ended?.at ?? '') || Date.now();
          settled.set(orderId, {
            status: body.status,
            ...(body.reason ? { reason: body.reason } : {}),
            endedAt,
            ms: endedAt - at,
            history: body.history.map((event) => event.type),
          });
        }
      }
    }),
  );
}

// Settle times come from the orders' histories, so polling often only adds load.
const pollEveryMs = 1_000;

/** Polls until every placed order has settled or `timeoutMs` passes. */
export async function awaitSettled(
  target: ChaosTarget,
  placed: readonly Placed[],
  settled: Map<string, Settled>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (settled.size < placed.length && Date.now() < deadline) {
    await pollSettled(target, placed, settled);
    if (settled.size < placed.length) await new Promise((r) => setTimeout(r, pollEveryMs));
  }
}

/** What notifications recorded for an order: event types, with repeats. */
export async function notificationsOf(target: ChaosTarget, orderId: string): Promise<string[]> {
  const { body } = await json<{ notifications?: { eventType: string }[] }>(
    `${target.functions.notifications}/notifications?orderId=${orderId}`,
  );
  return (body.notifications ?? []).map((n) => n.eventType);
}

/** `available + reserved + sold` and what is still reserved, of one sku. */
export async function stockOf(target: ChaosTarget, sku: string) {
  const { body } = await json<{ available: number; reserved: number; sold: number }>(
    `${target.functions.inventory}/stock/${sku}`,
  );
  return { total: body.available + body.reserved + body.sold, reserved: body.reserved };
}

/** Every function's `/health` answers 200: the steady state every experiment starts from. */
export async function steadyState(target: ChaosTarget): Promise<string | undefined> {
  for (const [name, url] of Object.entries(target.functions)) {
    const status = await json(`${url}/health`).then(
      (answer) => answer.status,
      () => 0,
    );
    if (status !== 200) return `${name} /health answered ${status || 'nothing'}`;
  }
  return undefined;
}
