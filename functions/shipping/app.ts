import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { commandHandler } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { decide, evolve, initialState, type ShippingEvent, type ShippingState } from './domain.ts';
import { createBody, idParam, itemView, topicMessage, type Config } from './schema.ts';

const items = commandHandler<ShippingState, ShippingEvent>({
  streamType: 'item',
  streamId: (id) => `item-${id}`,
  initialState,
  evolve,
  stateDocument: 'items',
});

function view(state: ShippingState) {
  if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such item.');
  return itemView.parse(state);
}

/** The routes; `/health`, `/metrics`, errors and telemetry come from the toolkit. */
export function shippingRoutes(deps: ServiceDeps<Config>) {
  return new Hono<ServiceEnv>()
    .post('/items', validate('json', createBody), async (c) => {
      const { id, note } = c.req.valid('json');
      if (note.length > deps.config.SHIPPING_MAX_NOTE) {
        throw new EdgeMeshError('VALIDATION', 'The note is too long.', {
          issues: [
            { path: 'note', message: `at most ${deps.config.SHIPPING_MAX_NOTE} characters` },
          ],
        });
      }
      const command = { type: 'Create' as const, id, note, at: new Date(deps.now()) };
      const result = await items.handle(deps.eventsFor(c), id, (state) => decide(command, state), {
        at: command.at,
      });
      return c.json(view(result.state), 201);
    })
    .get('/items/:id', validate('param', idParam), async (c) => {
      const { state } = await items.read(deps.eventsFor(c), c.req.valid('param').id);
      return c.json(view(state), 200);
    })
    .post('/items/:id/close', validate('param', idParam), async (c) => {
      const command = {
        type: 'Close' as const,
        id: c.req.valid('param').id,
        at: new Date(deps.now()),
      };
      const result = await items.handle(
        deps.eventsFor(c),
        command.id,
        (state) => decide(command, state),
        {
          at: command.at,
        },
      );
      return c.json(view(result.state), 200);
    })
    .post(
      '/events/order-events',
      deps.consume({
        schema: topicMessage,
        async handle(message) {
          const at = new Date(deps.now());
          // Recorded once per event, however often QStash delivers it.
          await message.append(
            `received-${message.body.eventId}`,
            [
              {
                type: 'MessageReceived',
                data: {
                  eventId: message.body.eventId,
                  type: message.body.type,
                  at: at.toISOString(),
                },
              },
            ],
            { streamType: 'received', at },
          );
        },
      }),
    );
}

export type ShippingApp = ReturnType<typeof shippingRoutes>;
