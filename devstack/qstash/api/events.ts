import type { Context, Hono } from 'hono';
import type { EventFilter } from '../store/store.ts';
import { queryInt, queryList, type ApiDeps } from './deps.ts';

function eventFilter(c: Context): EventFilter {
  const get = (name: string) => c.req.query(name) || undefined;
  const filter: EventFilter = {};
  const ids = queryList(c, 'messageIds') ?? queryList(c, 'messageId');
  if (ids) filter.messageIds = ids;
  for (const name of ['state', 'url', 'topicName', 'scheduleId', 'queueName', 'label'] as const) {
    const value = get(name);
    if (value !== undefined) filter[name] = value;
  }
  const from = queryInt(c, 'fromDate', 0, Number.MAX_SAFE_INTEGER);
  if (from !== undefined) filter.fromDate = from;
  const to = queryInt(c, 'toDate', 0, Number.MAX_SAFE_INTEGER);
  if (to !== undefined) filter.toDate = to;
  return filter;
}

/** `GET /v2/events` (what the client calls) and `GET /v2/logs` (what the spec documents). */
export function eventRoutes(app: Hono, deps: ApiDeps): void {
  const list = async (c: Context) => {
    await deps.writer.flush();
    const count = queryInt(c, 'count', 1, 1000) ?? 100;
    const cursor = queryInt(c, 'cursor', 0, Number.MAX_SAFE_INTEGER);
    const page = await deps.store.listEvents(eventFilter(c), cursor, count);
    const items = page.events.map((event) => ({
      time: event.time,
      state: event.state,
      messageId: event.messageId,
      ...event.data,
    }));
    return { items, ...(page.cursor ? { cursor: page.cursor } : {}) };
  };
  app.get('/v2/events', async (c) => {
    const { items, ...rest } = await list(c);
    return c.json({ ...rest, events: items });
  });
  app.get('/v2/logs', async (c) => {
    const { items, ...rest } = await list(c);
    return c.json({ ...rest, logs: items });
  });
}
