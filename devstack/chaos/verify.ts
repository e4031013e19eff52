import pg from 'pg';
import { notificationsOf, stockOf, type Placed, type Settled } from './shop.ts';
import type { ChaosTarget } from './target.ts';

/** One experiment's line of the table. */
export interface ExperimentRow {
  name: string;
  placed: number;
  terminal: number;
  stockDrift: number;
  doubleCaptures: number;
  lostNotifications: number;
  duplicatedNotifications: number;
  p50Ms: number;
  p99Ms: number;
  recoverMs: number;
  injected: number;
  verdict: 'pass' | 'FAIL' | 'skipped';
  note?: string;
}

const notified = new Set(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Payments captured more than once, and cancelled orders whose payment holds a capture. */
async function badCaptures(
  target: ChaosTarget,
  settled: ReadonlyMap<string, Settled>,
): Promise<number> {
  const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 1 });
  pool.on('error', () => {});
  try {
    const { rows } = await pool.query<{ stream_id: string; n: number }>(
      `select stream_id, count(*)::int as n from es_events
        where stream_id = any($1) and type = 'PaymentCaptured' group by stream_id`,
      [[...settled.keys()].map((id) => `payment-${id}`)],
    );
    const captures = new Map(rows.map((row) => [row.stream_id.slice('payment-'.length), row.n]));
    let bad = 0;
    for (const [orderId, order] of settled) {
      const n = captures.get(orderId) ?? 0;
      if (n > 1 || (order.status === 'cancelled' && n > 0)) bad += 1;
    }
    return bad;
  } finally {
    await pool.end();
  }
}

/**
 * Notifications missing and repeated, once they stop arriving (≤ 90 s: an event whose publish
 * failed while QStash was down waits in the outbox for the next minutely sweep).
 */
async function notificationGaps(target: ChaosTarget, settled: ReadonlyMap<string, Settled>) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    let lost = 0;
    let duplicated = 0;
    for (const [orderId, order] of settled) {
      const seen = await notificationsOf(target, orderId);
      for (const type of order.history.filter((t) => notified.has(t))) {
        const count = seen.filter((s) => s === type).length;
        if (count === 0) lost += 1;
        if (count > 1) duplicated += count - 1;
      }
    }
    if (lost === 0 || Date.now() > deadline) return { lost, duplicated };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Checks every invariant of the shop after an experiment and makes its row. */
export async function verify(
  target: ChaosTarget,
  name: string,
  outcome: {
    seeded: Record<string, number>;
    placed: readonly Placed[];
    settled: ReadonlyMap<string, Settled>;
    recoverMs: number;
    injected: number;
  },
): Promise<ExperimentRow> {
  let stockDrift = 0;
  for (const [sku, total] of Object.entries(outcome.seeded)) {
    const stock = await stockOf(target, sku);
    stockDrift += Math.abs(stock.total - total);
  }
  const times = [...outcome.settled.values()].map((s) => s.ms).sort((a, b) => a - b);
  const gaps = await notificationGaps(target, outcome.settled);
  const row: ExperimentRow = {
    name,
    placed: outcome.placed.length,
    terminal: outcome.settled.size,
    stockDrift,
    doubleCaptures: await badCaptures(target, outcome.settled),
    lostNotifications: gaps.lost,
    duplicatedNotifications: gaps.duplicated,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    recoverMs: outcome.recoverMs,
    injected: outcome.injected,
    verdict: 'pass',
  };
  const holds =
    row.placed > 0 &&
    row.terminal === row.placed &&
    row.stockDrift === 0 &&
    row.doubleCaptures === 0 &&
    row.lostNotifications === 0 &&
    row.duplicatedNotifications === 0;
  return { ...row, verdict: holds ? 'pass' : 'FAIL' };
}
