import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { EdgeMeshError, hasCode } from '../../shared/errors/edgemesh-error.ts';
import { problemErrorHandler, problemNotFound } from '../../shared/errors/hono.ts';
import { isConcurrencyError } from '../../shared/event-store/concurrency-error.ts';
import type { OutboxMessage, OutboxRecord } from '../../shared/event-store/event-store.ts';
import { healthHandler } from '../../shared/health/health.ts';
import { validate } from '../../shared/http/validate.ts';
import type { InventoryDeps } from './deps.ts';
import {
  decideReservation,
  decideStock,
  evolveReservation,
  evolveStock,
  initialReservation,
  initialStock,
  isClosed,
  type ReservationCommand,
  type ReservationState,
  type StockCommand,
  type StockState,
} from './domain.ts';
import { idParam, reserveBody, setStockBody, skuParam, stockView } from './schema.ts';
import { keepAlive } from '../../shared/http/keep-alive.ts';
import { requestScope } from '../../shared/telemetry/hono.ts';
import { tracedEventStore } from '../../shared/event-store/traced.ts';

/** Read models written with the events: one document per sku and per reservation. */
export const stockProjection = 'stock';
export const reservationsProjection = 'reservations';
export const stockStream = (sku: string) => `stock-${sku}`;
export const reservationStream = (id: string) => `reservation-${id}`;

const maxRaces = 50;

const toStockView = (state: StockState) =>
  stockView.parse({
    sku: state.sku,
    available: state.available,
    reserved: state.reserved,
    sold: state.sold,
  });

/** The inventory service: stock per sku, and reservations as a try/confirm/cancel participant. */
export function createInventoryApp(deps: InventoryDeps) {
  const pass: MiddlewareHandler = (_c, next) => next();
  const serviceAuth = deps.serviceAuth ?? pass;

  /** The reads and writes of one request, each statement traced in that request's trace. */
  function ledger(c: Context) {
    const events = tracedEventStore(deps.events, requestScope(c));
    async function loadStock(sku: string) {
      const found = await events.readDocument<StockState>(stockProjection, sku);
      return { state: found?.doc ?? initialStock(sku), version: found?.version ?? 0 };
    }

    /** Decides on a sku's latest state and appends, again on a lost race; returns the new state. */
    async function applyStock(command: StockCommand): Promise<StockState> {
      for (let race = 0; ; race += 1) {
        const { state, version } = await loadStock(command.sku);
        const decided = decideStock(command, state);
        if (decided.length === 0) return state;
        const next = decided.reduce(evolveStock, state);
        try {
          await events.append(stockStream(command.sku), decided, {
            streamType: 'stock',
            expectedVersion: version === 0 ? 'no_stream' : version,
            at: command.at,
            documents: [{ projection: stockProjection, id: command.sku, doc: next }],
          });
          return next;
        } catch (error) {
          if (!isConcurrencyError(error) || race >= maxRaces) throw error;
          // A hot sku: spread the writers that keep colliding.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * (race + 1)));
        }
      }
    }

    async function loadReservation(id: string) {
      const found = await events.readDocument<ReservationState>(reservationsProjection, id);
      return { state: found?.doc ?? initialReservation(), version: found?.version ?? 0 };
    }

    /**
     * Decides on the reservation and appends, again on a lost race. `known` is the state the
     * caller believes current (a new reservation, or the one it just wrote): the first attempt
     * skips the read and a stale guess costs one lost race.
     */
    async function applyReservation(
      command: ReservationCommand,
      outboxFor: () => OutboxMessage[] = () => [],
      known?: { state: ReservationState; version: number },
    ): Promise<{ state: ReservationState; version: number; outbox: readonly OutboxRecord[] }> {
      const id = command.reservationId;
      for (let race = 0; ; race += 1) {
        const { state, version } = race === 0 && known ? known : await loadReservation(id);
        const decided = decideReservation(command, state);
        if (decided.length === 0) {
          if (race === 0 && known) continue;
          return { state, version, outbox: [] };
        }
        const next = decided.reduce(evolveReservation, state);
        try {
          const result = await events.append(reservationStream(id), decided, {
            streamType: 'reservation',
            expectedVersion: version === 0 ? 'no_stream' : version,
            at: command.at,
            documents: [{ projection: reservationsProjection, id, doc: next }],
            outbox: state.status === 'none' && next.status === 'requested' ? outboxFor() : [],
          });
          return result.status === 'appended'
            ? { state: next, version: result.nextVersion, outbox: result.outbox }
            : { state: next, version: version + decided.length, outbox: [] };
        } catch (error) {
          if (!isConcurrencyError(error) || race >= maxRaces) throw error;
        }
      }
    }

    /**
     * Applies what a reservation's decision means for its skus: sold when confirmed, released when
     * cancelled, expired or rejected. Idempotent, so every replay finishes what a crash left.
     */
    async function settleStock(state: ReservationState, at: Date): Promise<void> {
      if (state.status === 'none') return;
      const reservationId = state.reservationId;
      await Promise.all(
        state.items.map(({ sku }) =>
          state.status === 'confirmed'
            ? applyStock({ type: 'SellStock', sku, reservationId, at })
            : isClosed(state)
              ? applyStock({ type: 'ReleaseStock', sku, reservationId, reason: state.status, at })
              : Promise.resolve(),
        ),
      );
    }

    return { events, loadStock, applyStock, loadReservation, applyReservation, settleStock };
  }

  function reservationBody(state: ReservationState) {
    if (state.status === 'none') return {};
    return {
      reservationId: state.reservationId,
      status: state.status,
      items: state.items,
      ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
      ...(state.reason ? { reason: state.reason } : {}),
    };
  }

  function refuseClosed(state: ReservationState): never {
    if (state.status === 'rejected') {
      throw new EdgeMeshError('OUT_OF_STOCK', 'The reservation was refused: stock is short.', {
        extensions: { reservationId: 'reservationId' in state ? state.reservationId : undefined },
      });
    }
    throw new EdgeMeshError('CONFLICT', `The reservation is ${state.status}.`, {
      extensions: {
        reservationId: 'reservationId' in state ? state.reservationId : undefined,
        status: state.status,
      },
    });
  }

  async function verifySigned(c: Context, what: string): Promise<void> {
    if (!deps.verifyMessage) return;
    const signature = c.req.header('upstash-signature');
    const body = await c.req.text();
    if (!signature || !(await deps.verifyMessage(signature, body, c.req.url))) {
      throw new EdgeMeshError('SIGNATURE', `${what} must be a signed QStash message.`);
    }
  }

  const app = new Hono()
    .put('/stock/:sku', validate('param', skuParam), validate('json', setStockBody), async (c) => {
      const { applyStock } = ledger(c);
      const { sku } = c.req.valid('param');
      const { available } = c.req.valid('json');
      const state = await applyStock({
        type: 'SetStock',
        sku,
        available,
        at: new Date(deps.now()),
      });
      return c.json(toStockView(state), 200);
    })
    .get('/stock/:sku', validate('param', skuParam), async (c) => {
      const { events } = ledger(c);
      const { sku } = c.req.valid('param');
      const found = await events.readDocument<StockState>(stockProjection, sku);
      if (!found) throw new EdgeMeshError('NOT_FOUND', `No stock is recorded for ${sku}.`);
      return c.json(toStockView(found.doc), 200);
    })
    .post('/reservations', serviceAuth, validate('json', reserveBody), async (c) => {
      const { applyStock, loadReservation, applyReservation, settleStock } = ledger(c);
      const body = c.req.valid('json');
      const at = new Date(deps.now());
      const ttlMs = body.ttlMs ?? deps.reservationTtlMs;
      const expiresAt = new Date(at.getTime() + ttlMs);
      const items = [...body.items].sort((a, b) => a.sku.localeCompare(b.sku));
      const { reservationId } = body;
      // The deadline message is committed with the request, before any stock is held, so a
      // crash anywhere after this leaves nothing reserved forever.
      const requested = await applyReservation(
        { type: 'RequestReservation', reservationId, orderId: body.orderId, items, expiresAt, at },
        () =>
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
            : [],
        // Most requests create the reservation: no read before the first write.
        { state: initialReservation(), version: 0 },
      );
      if (requested.outbox.length > 0 && deps.relay) {
        keepAlive(c, deps.relay.relay(requested.outbox), (p) => deps.waitUntil(p));
      }
      let state = requested.state;
      if (state.status === 'held' || state.status === 'confirmed') {
        return c.json(reservationBody(state), 201);
      }
      if (isClosed(state)) {
        await settleStock(state, at);
        refuseClosed(state);
      }
      try {
        for (const item of state.status === 'none' ? [] : state.items) {
          await applyStock({
            type: 'HoldStock',
            sku: item.sku,
            reservationId,
            quantity: item.quantity,
            at,
          });
        }
      } catch (error) {
        if (!hasCode(error, 'OUT_OF_STOCK')) throw error;
        const rejected = await applyReservation({
          type: 'Reject',
          reservationId,
          reason: 'out_of_stock',
          at,
        });
        await settleStock(rejected.state, at);
        throw error;
      }
      try {
        state = (
          await applyReservation({ type: 'MarkHeld', reservationId, at }, undefined, {
            state,
            version: requested.version,
          })
        ).state;
      } catch (error) {
        // Cancelled or expired while the holds were being taken: give them back.
        if (!hasCode(error, 'CONFLICT')) throw error;
        const { state: closed } = await loadReservation(reservationId);
        await settleStock(closed, at);
        refuseClosed(closed);
      }
      return c.json(reservationBody(state), 201);
    })
    .get('/reservations/:id', validate('param', idParam), async (c) => {
      const { loadReservation } = ledger(c);
      const { state } = await loadReservation(c.req.valid('param').id);
      if (state.status === 'none') {
        throw new EdgeMeshError('NOT_FOUND', 'No such reservation.');
      }
      return c.json(reservationBody(state), 200);
    })
    .post('/reservations/:id/confirm', serviceAuth, validate('param', idParam), async (c) => {
      const { applyReservation, settleStock } = ledger(c);
      const reservationId = c.req.valid('param').id;
      const at = new Date(deps.now());
      const { state } = await applyReservation({ type: 'Confirm', reservationId, at });
      await settleStock(state, at);
      if (state.status === 'expired') {
        throw new EdgeMeshError('RESERVATION_EXPIRED', `Reservation ${reservationId} expired.`);
      }
      return c.json(reservationBody(state), 200);
    })
    .post('/reservations/:id/cancel', serviceAuth, validate('param', idParam), async (c) => {
      const { applyReservation, settleStock } = ledger(c);
      const reservationId = c.req.valid('param').id;
      const at = new Date(deps.now());
      const { state } = await applyReservation({ type: 'Cancel', reservationId, at });
      await settleStock(state, at);
      return c.json(reservationBody(state), 200);
    })
    .post('/reservations/:id/expire', validate('param', idParam), async (c) => {
      const { applyReservation, settleStock } = ledger(c);
      await verifySigned(c, 'Expiry');
      const reservationId = c.req.valid('param').id;
      const at = new Date(deps.now());
      const { state } = await applyReservation({ type: 'Expire', reservationId, at });
      await settleStock(state, at);
      return c.json(
        { reservationId, status: state.status === 'none' ? 'unknown' : state.status },
        200,
      );
    })
    .post('/outbox/sweep', async (c) => {
      await verifySigned(c, 'The sweep');
      if (!deps.relay) {
        throw new EdgeMeshError('UNAVAILABLE', 'No outbox publisher is configured (QSTASH_TOKEN).');
      }
      return c.json(await deps.relay.sweep({ signal: c.req.raw.signal }), 200);
    })
    .get('/health', healthHandler(deps));
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound);
  return app;
}

export type InventoryApp = ReturnType<typeof createInventoryApp>;
