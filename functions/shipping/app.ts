import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { commandHandler } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import { nonRetryable } from '../../shared/queue/index.ts';
import { consumeAck, type ServiceDeps, type ServiceEnv } from '../../shared/service/index.ts';
import {
  decide,
  evolve,
  initialState,
  shipmentIdOf,
  type ShippingEvent,
  type ShippingState,
} from './domain.ts';
import { idParam, orderEvent, shipmentList, shipmentsQuery, shipmentView } from './schema.ts';

const shipments = commandHandler<ShippingState, ShippingEvent>({
  streamType: 'shipment',
  streamId: (id) => id,
  initialState,
  evolve,
  stateDocument: 'shipments',
});

const view = (state: ShippingState) => shipmentView.parse(state);

/** Shipping: one shipment per confirmed order, listed by order, dispatched once. */
export function shippingRoutes(deps: ServiceDeps) {
  return new Hono<ServiceEnv>()
    .post(
      '/events/order-events',
      operation({
        summary: 'Order events from the order-events topic (QStash); OrderConfirmed ships',
        responses: { 200: { description: 'Handled, or a duplicate', body: consumeAck } },
      }),
      deps.consume({
        schema: orderEvent,
        async handle(message) {
          const { type, data } = message.body;
          if (type !== 'OrderConfirmed') return;
          const { orderId, customerId, items } = data;
          if (!customerId || !items?.length)
            throw nonRetryable('OrderConfirmed without customer or items.');
          const at = new Date(deps.now());
          const shipmentId = shipmentIdOf(orderId);
          const events = decide(
            { type: 'CreateShipment', shipmentId, orderId, customerId, items, at },
            initialState(),
          );
          const doc = events.reduce(evolve, initialState());
          // Written with the inbox claim: one shipment however often the event is delivered.
          const documents = [{ projection: 'shipments', id: shipmentId, doc }];
          await message.append(shipmentId, events, {
            streamType: 'shipment',
            at,
            expectedVersion: 'no_stream',
            documents,
          });
        },
      }),
    )
    .get(
      '/shipments',
      operation({
        summary: "An order's shipments",
        responses: { 200: { description: 'The shipments', body: shipmentList } },
      }),
      validate('query', shipmentsQuery),
      async (c) => {
        const { orderId } = c.req.valid('query');
        const { state } = await shipments.read(deps.eventsFor(c), shipmentIdOf(orderId));
        return c.json({ orderId, shipments: state.status === 'none' ? [] : [view(state)] }, 200);
      },
    )
    .post(
      '/shipments/:id/dispatch',
      operation({
        summary: 'Dispatch a shipment (once; again is a no-op)',
        responses: {
          200: { description: 'Dispatched', body: shipmentView },
          404: 'NOT_FOUND',
          409: 'CONCURRENCY: too many concurrent writes',
        },
      }),
      validate('param', idParam),
      async (c) => {
        const command = {
          type: 'Dispatch' as const,
          shipmentId: c.req.valid('param').id,
          at: new Date(deps.now()),
        };
        const result = await shipments.handle(
          deps.eventsFor(c),
          command.shipmentId,
          (state) => decide(command, state),
          { at: command.at },
        );
        if (result.state.status === 'none')
          throw new EdgeMeshError('NOT_FOUND', 'No such shipment.');
        return c.json(view(result.state), 200);
      },
    );
}

export type ShippingApp = ReturnType<typeof shippingRoutes>;
