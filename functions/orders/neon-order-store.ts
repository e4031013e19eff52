import type { Sql } from '../../shared/postgres/neon.ts';
import { z } from 'zod';
import { orderView, type OrderView } from './schema.ts';
import type { IdempotencyClaim, OrderStore, PlaceResult } from './store.ts';

const scope = 'orders';

const orderRow = z
  .object({
    order_id: z.string(),
    customer_id: z.string(),
    items: z.unknown(),
    total: z.coerce.number(),
    currency: z.string(),
    status: z.string(),
    reason: z.string().nullable(),
    version: z.number(),
    history: z.unknown(),
  })
  .transform((row) =>
    orderView.parse({
      orderId: row.order_id,
      customerId: row.customer_id,
      items: row.items,
      total: row.total,
      currency: row.currency,
      status: row.status,
      ...(row.reason ? { reason: row.reason } : {}),
      version: row.version,
      history: row.history,
    }),
  );

function insertOrder(sql: Sql, order: OrderView, onlyIfClaimedBy?: string) {
  const values = [
    order.orderId,
    order.customerId,
    JSON.stringify(order.items),
    order.total,
    order.currency,
    order.status,
    order.version,
    JSON.stringify(order.history),
  ];
  const insert = `insert into orders
    (order_id, customer_id, items, total, currency, status, version, history)
    select $1, $2, $3::jsonb, $4, $5, $6, $7, $8::jsonb`;
  if (onlyIfClaimedBy === undefined) return sql.query(insert, values);
  return sql.query(
    `${insert} where exists (
      select 1 from idempotency_keys where scope = $9 and key = $10 and resource_id = $1)`,
    [...values, scope, onlyIfClaimedBy],
  );
}

async function placeWithClaim(
  sql: Sql,
  order: OrderView,
  claim: IdempotencyClaim,
): Promise<PlaceResult> {
  // One non-interactive transaction: claim the key, insert the order only if the claim is ours,
  // then read back who owns the key.
  const [, , owners] = await sql.transaction([
    sql.query(
      `insert into idempotency_keys (scope, key, request_hash, resource_id)
       values ($1, $2, $3, $4) on conflict (scope, key) do nothing`,
      [scope, claim.key, claim.requestHash, order.orderId],
    ),
    insertOrder(sql, order, claim.key),
    sql.query(
      'select request_hash, resource_id from idempotency_keys where scope = $1 and key = $2',
      [scope, claim.key],
    ),
  ]);
  const owner = owners?.[0] as { request_hash: string; resource_id: string } | undefined;
  if (!owner) throw new Error('idempotency claim vanished inside its own transaction');
  if (owner.resource_id === order.orderId) return { outcome: 'created', orderId: order.orderId };
  const outcome = owner.request_hash === claim.requestHash ? 'replayed' : 'mismatch';
  return { outcome, orderId: owner.resource_id };
}

/** OrderStore on Postgres through Neon's HTTP path: one round trip per call. */
export function neonOrderStore(sql: Sql): OrderStore {
  return {
    async place(order, claim) {
      if (claim) return placeWithClaim(sql, order, claim);
      await insertOrder(sql, order);
      return { outcome: 'created', orderId: order.orderId };
    },
    async get(orderId) {
      const rows = await sql.query(
        `select order_id, customer_id, items, total, currency, status, reason, version, history
         from orders where order_id = $1`,
        [orderId],
      );
      return rows[0] ? orderRow.parse(rows[0]) : undefined;
    },
  };
}
