import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { requestScope } from '../../shared/telemetry/index.ts';
import type { ReservationState, StockState } from './domain.ts';
import { applyReservation, applyStock, reservations, reserve, settleStock } from './ledger.ts';
import {
  expiryResult,
  idParam,
  reservationView,
  reserveBody,
  setStockBody,
  skuParam,
  stockView,
  type InventoryConfig,
} from './schema.ts';

const toStockView = ({ sku, available, reserved, sold }: StockState) =>
  stockView.parse({ sku, available, reserved, sold });

function reservationBody(state: ReservationState) {
  if (state.status === 'none') return {};
  const { reservationId, status, items, expiresAt, reason } = state;
  return {
    reservationId,
    status,
    items,
    ...(expiresAt ? { expiresAt } : {}),
    ...(reason ? { reason } : {}),
  };
}

const stock = { description: 'The stock of the sku', body: stockView };
const reservation = (description: string) => ({ description, body: reservationView });
const closed = 'CONFLICT: the reservation is closed; CONCURRENCY: too many concurrent writes';

/** The inventory service: stock per sku, and reservations as a try/confirm/cancel participant. */
export function inventoryRoutes(deps: ServiceDeps<InventoryConfig>) {
  const at = () => new Date(deps.now());
  return new Hono<ServiceEnv>()
    .put(
      '/stock/:sku',
      operation({
        summary: 'Set the available stock of a sku (operator)',
        responses: { 200: stock, 409: 'CONCURRENCY: too many concurrent writes' },
      }),
      validate('param', skuParam),
      validate('json', setStockBody),
      async (c) => {
        const { sku } = c.req.valid('param');
        const { available } = c.req.valid('json');
        const { state } = await applyStock(deps.eventsFor(c), {
          type: 'SetStock',
          sku,
          available,
          at: at(),
        });
        return c.json(toStockView(state), 200);
      },
    )
    .get(
      '/stock/:sku',
      operation({
        summary: 'Read the stock of a sku: available, reserved, sold',
        responses: { 200: stock, 404: 'NOT_FOUND: no stock recorded for the sku' },
      }),
      validate('param', skuParam),
      async (c) => {
        const { sku } = c.req.valid('param');
        const found = await deps.eventsFor(c).readDocument<StockState>('stock', sku);
        if (!found) throw new EdgeMeshError('NOT_FOUND', `No stock is recorded for ${sku}.`);
        return c.json(toStockView(found.doc), 200);
      },
    )
    .post(
      '/reservations',
      operation({
        summary: "Reserve an order's items (TCC try); it expires unless confirmed",
        responses: {
          201: reservation('Held (or held before, for the same reservation)'),
          409: `OUT_OF_STOCK: stock is short; ${closed}`,
        },
      }),
      validate('json', reserveBody),
      async (c) => {
        const body = c.req.valid('json');
        const now = at();
        const ttlMs = body.ttlMs ?? deps.config.INVENTORY_RESERVATION_TTL_MS;
        const { reservationId } = body;
        const expiry = () =>
          deps.selfUrl
            ? [
                {
                  destination: `${deps.selfUrl}/reservations/${encodeURIComponent(reservationId)}/expire`,
                  body: { reservationId },
                  headers: {
                    'Upstash-Delay': `${Math.ceil(ttlMs / 1000)}s`,
                    // The expiry belongs to the order's trace, however late it arrives.
                    ...(requestScope(c)?.headers() ?? {}),
                  },
                },
              ]
            : [];
        const request = {
          reservationId,
          orderId: body.orderId,
          items: body.items,
          at: now,
          expiresAt: new Date(now.getTime() + ttlMs),
        };
        const { requested, state } = await reserve(deps.eventsFor(c), request, expiry);
        deps.outbox.afterCommit(c, requested.outbox);
        return c.json(reservationBody(state), 201);
      },
    )
    .get(
      '/reservations/:id',
      operation({
        summary: 'Read a reservation',
        responses: { 200: reservation('The reservation'), 404: 'NOT_FOUND' },
      }),
      validate('param', idParam),
      async (c) => {
        const { state } = await reservations.read(deps.eventsFor(c), c.req.valid('param').id);
        if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such reservation.');
        return c.json(reservationBody(state), 200);
      },
    )
    .post(
      '/reservations/:id/confirm',
      operation({
        summary: 'Confirm a reservation (TCC confirm): its stock is sold',
        responses: {
          200: reservation('Confirmed'),
          404: 'NOT_FOUND',
          409: `RESERVATION_EXPIRED; ${closed}`,
        },
      }),
      validate('param', idParam),
      async (c) => {
        const events = deps.eventsFor(c);
        const reservationId = c.req.valid('param').id;
        const { state } = await applyReservation(events, {
          type: 'Confirm',
          reservationId,
          at: at(),
        });
        await settleStock(events, state, at());
        if (state.status === 'expired') {
          throw new EdgeMeshError('RESERVATION_EXPIRED', `Reservation ${reservationId} expired.`);
        }
        return c.json(reservationBody(state), 200);
      },
    )
    .post(
      '/reservations/:id/cancel',
      operation({
        summary: 'Cancel a reservation (TCC cancel): its stock is released',
        responses: { 200: reservation('Cancelled (or never held)'), 409: closed },
      }),
      validate('param', idParam),
      async (c) => {
        const events = deps.eventsFor(c);
        const { state } = await applyReservation(events, {
          type: 'Cancel',
          reservationId: c.req.valid('param').id,
          at: at(),
        });
        await settleStock(events, state, at());
        return c.json(reservationBody(state), 200);
      },
    )
    .post(
      '/reservations/:id/expire',
      operation({
        summary: 'Expire a reservation not confirmed in time (delayed QStash message)',
        callers: ['qstash'],
        responses: {
          200: { description: 'Expired, or already settled', body: expiryResult },
          401: 'SIGNATURE: not a valid QStash delivery',
          409: 'CONCURRENCY: too many concurrent writes',
        },
      }),
      validate('param', idParam),
      async (c) => {
        await deps.signedBody(c, 'Expiry');
        const events = deps.eventsFor(c);
        const reservationId = c.req.valid('param').id;
        const { state } = await applyReservation(events, {
          type: 'Expire',
          reservationId,
          at: at(),
        });
        await settleStock(events, state, at());
        return c.json(
          { reservationId, status: state.status === 'none' ? 'unknown' : state.status },
          200,
        );
      },
    );
}

export type InventoryApp = ReturnType<typeof inventoryRoutes>;
