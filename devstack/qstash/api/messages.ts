import type { Context, Hono } from 'hono';
import { notFound } from '../input-error.ts';
import { messageJson, type PendingMessage } from '../message.ts';
import { queryInt, queryList, type ApiDeps } from './deps.ts';

/** The bulk-action filters QStash accepts on messages and the DLQ. */
export function messageFilter(c: Context): (message: PendingMessage) => boolean {
  const ids = queryList(c, 'messageIds') ?? queryList(c, 'messageId');
  const get = (name: string) => c.req.query(name) || undefined;
  const label = get('label');
  const url = get('url');
  const topicName = get('topicName');
  const queueName = get('queueName');
  const scheduleId = get('scheduleId');
  const flowControlKey = get('flowControlKey');
  const caller = get('callerIp');
  const fromDate = queryInt(c, 'fromDate', 0, Number.MAX_SAFE_INTEGER);
  const toDate = queryInt(c, 'toDate', 0, Number.MAX_SAFE_INTEGER);
  const idSet = ids ? new Set(ids) : undefined;
  return (message) => {
    const { spec } = message;
    return (
      (!idSet || idSet.has(message.id)) &&
      (!label || (spec.labels ?? []).includes(label)) &&
      (!url || spec.url === url) &&
      (!topicName || spec.topicName === topicName) &&
      (!queueName || spec.queueName === queueName) &&
      (!scheduleId || spec.scheduleId === scheduleId) &&
      (!flowControlKey || spec.flowControl?.key === flowControlKey) &&
      (!caller || spec.callerIp === caller) &&
      (fromDate === undefined || message.createdAt >= fromDate) &&
      (toDate === undefined || message.createdAt <= toDate)
    );
  };
}

/** `GET|DELETE /v2/messages/:id`, bulk `DELETE /v2/messages`. */
export function messageRoutes(app: Hono, deps: ApiDeps): void {
  app.get('/v2/messages/:id', (c) => {
    const message = deps.engine.get(c.req.param('id'));
    if (!message)
      throw notFound(
        `message ${c.req.param('id')} not found (it may be delivered, failed or cancelled)`,
      );
    return c.json(messageJson(message));
  });

  app.delete('/v2/messages/:id', async (c) => {
    const id = c.req.param('id');
    const cancelled = await deps.engine.cancel([id]);
    if (cancelled === 0)
      throw notFound(`message ${id} not found (it may be delivered, failed or cancelled)`);
    return c.json({ cancelled });
  });

  app.delete('/v2/messages', async (c) => {
    const count = queryInt(c, 'count', 1, 100_000);
    const matches = deps.engine.list(messageFilter(c));
    const chosen = count === undefined ? matches : matches.slice(0, count);
    const cancelled = await deps.engine.cancel(chosen.map((message) => message.id));
    return c.json({
      cancelled,
      ...(chosen.length < matches.length ? { cursor: String(chosen.length) } : {}),
    });
  });
}
