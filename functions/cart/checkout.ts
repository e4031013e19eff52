import { formatVector, type CartView } from '../../shared/consistency/index.ts';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { fingerprint } from '../../shared/http/index.ts';
import type { OrdersApp } from '../orders/app.ts';
import type { CartDeps } from './replication.ts';

export interface CheckoutRequest {
  customerId: string;
  view: CartView;
  body: { unitPrices: Record<string, number>; currency?: string | undefined };
  /** The client's Idempotency-Key; default one per checked-out cart state. */
  key?: string | undefined;
}

/**
 * Places the cart's order through `orders`. Refused when this region has not received every
 * change the client saw (the order would miss items), when the cart is empty or a price is
 * missing. The same cart state checked out twice places one order.
 */
export async function placeOrder(deps: CartDeps, { customerId, view, body, key }: CheckoutRequest) {
  if (!view.caughtUp) {
    throw new EdgeMeshError(
      'CONFLICT',
      'This region has not yet received every change of this cart you saw; retry shortly.',
    );
  }
  if (view.items.length === 0) throw new EdgeMeshError('CONFLICT', 'The cart is empty.');
  const missing = view.items.filter((item) => body.unitPrices[item.sku] === undefined);
  if (missing.length > 0) {
    throw new EdgeMeshError('VALIDATION', 'Every item in the cart needs a unit price.', {
      issues: missing.map(({ sku }) => ({ path: `unitPrices.${sku}`, message: 'missing' })),
    });
  }
  const items = view.items.map((item) => ({ ...item, unitPrice: body.unitPrices[item.sku] ?? 0 }));
  const idempotencyKey =
    key ?? `cart-${customerId}-${(await fingerprint(formatVector(view.context))).slice(0, 32)}`;
  const response = await deps.client<OrdersApp>('orders').orders.$post({
    json: { customerId, items, ...(body.currency ? { currency: body.currency } : {}) },
    header: { 'idempotency-key': idempotencyKey },
  });
  const status: number = response.status;
  if (status !== 202) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new EdgeMeshError(
      status === 409 ? 'CONFLICT' : 'UPSTREAM',
      `orders answered ${status} ${problem.code ?? ''}: ${problem.detail ?? ''}`.trim(),
    );
  }
  const placed = (await response.json()) as { orderId: string; status: string };
  return { orderId: placed.orderId, status: placed.status };
}
