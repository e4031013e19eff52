// The files `npm run new -- <name> [--consumer <topic>]` writes: a small working function in the
// shape of the reference ones (a Decider, zod schemas, Hono routes, a service definition) and its
// unit test. Pure: names in, file contents out.

/** The names a template needs, from the function's kebab-case name. */
export interface ScaffoldNames {
  /** `gift-cards` */
  name: string;
  /** `giftCards` */
  camel: string;
  /** `GiftCards` */
  pascal: string;
  /** `GIFT_CARDS` */
  upper: string;
  port: number;
  /** A topic to consume, e.g. `order-events`. */
  topic?: string;
}

export function scaffoldNames(name: string, port: number, topic?: string): ScaffoldNames {
  const parts = name.split('-');
  const pascal = parts.map((part) => part[0]!.toUpperCase() + part.slice(1)).join('');
  return {
    name,
    camel: pascal[0]!.toLowerCase() + pascal.slice(1),
    pascal,
    upper: name.toUpperCase().replaceAll('-', '_'),
    port,
    ...(topic ? { topic } : {}),
  };
}

export function domainTemplate({ pascal }: ScaffoldNames): string {
  return `import { EdgeMeshError } from '../../shared/errors/index.ts';

// Pure decisions, one stream per item: time and ids come in with the command.

export type ${pascal}Command =
  | { type: 'Create'; id: string; note: string; at: Date }
  | { type: 'Close'; id: string; at: Date };

export type ${pascal}Event =
  | { type: 'ItemCreated'; data: { id: string; note: string; at: string } }
  | { type: 'ItemClosed'; data: { id: string; at: string } };

export type ${pascal}State =
  | { status: 'none' }
  | { status: 'open' | 'closed'; id: string; note: string; createdAt: string };

export const initialState = (): ${pascal}State => ({ status: 'none' });

export function decide(command: ${pascal}Command, state: ${pascal}State): ${pascal}Event[] {
  const at = command.at.toISOString();
  switch (command.type) {
    case 'Create':
      if (state.status !== 'none') return [];
      return [{ type: 'ItemCreated', data: { id: command.id, note: command.note, at } }];
    case 'Close':
      if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', \`No item \${command.id}.\`);
      if (state.status === 'closed') return [];
      return [{ type: 'ItemClosed', data: { id: command.id, at } }];
  }
}

export function evolve(state: ${pascal}State, event: ${pascal}Event): ${pascal}State {
  switch (event.type) {
    case 'ItemCreated':
      return { status: 'open', id: event.data.id, note: event.data.note, createdAt: event.data.at };
    case 'ItemClosed':
      return state.status === 'none' ? state : { ...state, status: 'closed' };
  }
}
`;
}

export function schemaTemplate({ upper, topic }: ScaffoldNames): string {
  const message = topic
    ? `
/** A message of the \`${topic}\` topic: an envelope with an event id, type and data. */
export const topicMessage = z.object({
  eventId: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  data: z.record(z.string(), z.unknown()),
});
`
    : '';
  return `import * as z from 'zod';

const id = z.string().trim().min(1).max(128);
const isoTime = z.iso.datetime();

export const idParam = z.object({ id });
export const createBody = z.object({ id, note: z.string().trim().min(1).max(500) });

export const itemView = z.object({
  id,
  note: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: isoTime,
});

/** zod schemas of the events this function writes, checked before anything is appended. */
export const eventSchemas = {
  ItemCreated: z.object({ id, note: z.string(), at: isoTime }),
  ItemClosed: z.object({ id, at: isoTime }),${topic ? '\n  MessageReceived: z.object({ eventId: z.string(), type: z.string(), at: isoTime }),' : ''}
};
${message}
/** This function's own variables (the toolkit's are added). */
export const config = z.object({
  /** An example setting: the longest note accepted, characters. Default 500. */
  ${upper}_MAX_NOTE: z.coerce.number().int().min(1).max(500).default(500),
});
export type Config = z.infer<typeof config>;
`;
}

export function appTemplate({ camel, pascal, upper, topic }: ScaffoldNames): string {
  const consumer = topic
    ? `
    .post(
      '/events/${topic}',
      operation({
        summary: '${topic} messages (QStash)',
        responses: { 200: { description: 'Handled, or a duplicate', body: consumeAck } },
      }),
      deps.consume({
        schema: topicMessage,
        async handle(message) {
          const at = new Date(deps.now());
          // Recorded once per event, however often QStash delivers it.
          await message.append(\`received-\${message.body.eventId}\`, [
            { type: 'MessageReceived', data: { eventId: message.body.eventId, type: message.body.type, at: at.toISOString() } },
          ], { streamType: 'received', at });
        },
      }),
    )`
    : '';
  return `import { Hono } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { commandHandler } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import {${topic ? ' consumeAck,' : ''} type ServiceDeps, type ServiceEnv } from '../../shared/service/index.ts';
import { decide, evolve, initialState, type ${pascal}Event, type ${pascal}State } from './domain.ts';
import { createBody, idParam, itemView,${topic ? ' topicMessage,' : ''} type Config } from './schema.ts';

const items = commandHandler<${pascal}State, ${pascal}Event>({
  streamType: 'item',
  streamId: (id) => \`item-\${id}\`,
  initialState,
  evolve,
  stateDocument: 'items',
});

function view(state: ${pascal}State) {
  if (state.status === 'none') throw new EdgeMeshError('NOT_FOUND', 'No such item.');
  return itemView.parse(state);
}

const item = (description: string) => ({ description, body: itemView });

/**
 * The routes, each described by \`operation\` and its \`validate\` schemas in \`GET /openapi.json\`;
 * \`/health\`, \`/metrics\`, errors and telemetry come from the toolkit.
 */
export function ${camel}Routes(deps: ServiceDeps<Config>) {
  return new Hono<ServiceEnv>()
    .post(
      '/items',
      operation({
        summary: 'Create an item (again with the same id: no change)',
        responses: { 201: item('The item'), 409: 'CONCURRENCY: too many concurrent writes' },
      }),
      validate('json', createBody),
      async (c) => {
      const { id, note } = c.req.valid('json');
      if (note.length > deps.config.${upper}_MAX_NOTE) {
        throw new EdgeMeshError('VALIDATION', 'The note is too long.', {
          issues: [{ path: 'note', message: \`at most \${deps.config.${upper}_MAX_NOTE} characters\` }],
        });
      }
      const command = { type: 'Create' as const, id, note, at: new Date(deps.now()) };
      const result = await items.handle(deps.eventsFor(c), id, (state) => decide(command, state), {
        at: command.at,
      });
      return c.json(view(result.state), 201);
    })
    .get(
      '/items/:id',
      operation({ summary: 'Read an item', responses: { 200: item('The item'), 404: 'NOT_FOUND' } }),
      validate('param', idParam),
      async (c) => {
      const { state } = await items.read(deps.eventsFor(c), c.req.valid('param').id);
      return c.json(view(state), 200);
    })
    .post(
      '/items/:id/close',
      operation({
        summary: 'Close an item',
        responses: { 200: item('Closed'), 404: 'NOT_FOUND', 409: 'CONFLICT or CONCURRENCY' },
      }),
      validate('param', idParam),
      async (c) => {
      const command = { type: 'Close' as const, id: c.req.valid('param').id, at: new Date(deps.now()) };
      const result = await items.handle(deps.eventsFor(c), command.id, (state) => decide(command, state), {
        at: command.at,
      });
      return c.json(view(result.state), 200);
    })${consumer};
}

export type ${pascal}App = ReturnType<typeof ${camel}Routes>;
`;
}

export function serviceTemplate({ name, camel, port, topic }: ScaffoldNames): string {
  return `import { defineService } from '../../shared/service/index.ts';
import { ${camel}Routes } from './app.ts';
import { config, eventSchemas } from './schema.ts';

/** ${name}: what it is for, in one line. */
export default defineService({
  name: '${name}',
  port: ${port},
  config,
  events: eventSchemas,${topic ? `\n  subscriptions: [{ topic: '${topic}', path: '/events/${topic}' }],` : ''}
  routes: ${camel}Routes,
});
`;
}

export function testTemplate({ name, topic }: ScaffoldNames): string {
  const consumer = topic
    ? `

  it('records a ${topic} message once however often it is delivered, and refuses an unsigned one', async () => {
    const message = { eventId: 'e-1', type: 'Something', data: {} };
    expect((await t.deliver('/events/${topic}', message, { messageId: 'm-1' })).status).toBe(200);
    const again = await t.deliver('/events/${topic}', message, { messageId: 'm-1' });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(await t.events.readStream('received-e-1')).toHaveLength(1);
    const unsigned = await t.request('/events/${topic}', { method: 'POST', body: JSON.stringify(message) });
    expect(unsigned.status).toBe(401);
  });`
    : '';
  return `import { beforeEach, describe, expect, it } from 'vitest';
import service from '../../../../functions/${name}/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;

beforeEach(() => {
  t = testService(service);
});

describe('${name}', () => {
  it('creates an item once and reads it back', async () => {
    const created = await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(created.status).toBe(201);
    await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(await (await t.request('/items/i-1')).json()).toMatchObject({ id: 'i-1', status: 'open' });
    expect(await t.events.readStream('item-i-1')).toHaveLength(1);
  });

  it('closes an item; an unknown one is a 404 problem', async () => {
    await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(await (await t.send('POST', '/items/i-1/close')).json()).toMatchObject({ status: 'closed' });
    const unknown = await t.send('POST', '/items/none/close');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
  });

  it('names each bad field in a 400 problem and writes nothing', async () => {
    const response = await t.send('POST', '/items', { id: '', note: 7 });
    expect(response.status).toBe(400);
    expect(await t.events.readAll()).toEqual([]);
  });

  it('describes its routes in GET /openapi.json', async () => {
    const document = (await (await t.request('/openapi.json')).json()) as { paths: object };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/items', '/items/{id}', '/items/{id}/close']),
    );
  });${consumer}
});
`;
}
