import type { Hono } from 'hono';
import * as z from 'zod';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

const orderId = z.string().regex(/^[A-Za-z0-9._~:-]{1,128}$/, 'an order id');

function ordersUrl(sources: ConsoleSources): string {
  const orders = sources.functions.find((fn) => fn.name === 'orders');
  if (!orders) throw new EdgeMeshError('NOT_FOUND', 'No orders function runs in this devstack.');
  return orders.url;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/**
 * `GET /api/orders` (the newest orders, from the orders read model) and `GET /api/orders/:id`
 * (the order and its saga timeline, as the orders function answers them).
 */
export function orderRoutes(app: Hono, sources: ConsoleSources): void {
  app.get('/api/orders', async (c) => {
    const limit = Math.min(100, Math.max(1, Number(c.req.query('limit')) || 25));
    const rows = (await sources.sql.query(
      `select id, doc, version, updated_at from es_documents where projection = 'orders'
       order by updated_at desc limit $1`,
      [limit],
    )) as Array<{ id: string; doc: Record<string, unknown>; version: number; updated_at: string }>;
    return c.json({
      orders: rows.map((row) => ({
        orderId: row.id,
        status: row.doc.status,
        reason: row.doc.reason,
        customerId: row.doc.customerId,
        total: row.doc.total,
        currency: row.doc.currency,
        traceId: row.doc.traceId,
        updatedAt: row.updated_at,
      })),
    });
  });
  app.get('/api/orders/:id', async (c) => {
    const parsed = orderId.safeParse(c.req.param('id'));
    if (!parsed.success) throw new EdgeMeshError('VALIDATION', 'That is not an order id.');
    const base = `${ordersUrl(sources)}/orders/${encodeURIComponent(parsed.data)}`;
    const [order, saga] = await Promise.all([getJson(base), getJson(`${base}/saga`)]);
    if (order.status === 404) throw new EdgeMeshError('NOT_FOUND', `No order ${parsed.data}.`);
    if (order.status !== 200) {
      const detail = (order.body as { detail?: unknown } | null)?.detail;
      throw new EdgeMeshError(
        'UPSTREAM',
        `orders answered ${order.status}${typeof detail === 'string' ? `: ${detail}` : ''}`,
      );
    }
    return c.json({ order: order.body, saga: saga.status === 200 ? saga.body : null });
  });
}
