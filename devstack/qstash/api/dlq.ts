import type { Context, Hono } from 'hono';
import { notFound } from '../input-error.ts';
import { deadLetterJson } from '../message.ts';
import type { DlqFilter } from '../store/store.ts';
import { queryInt, queryList, type ApiDeps } from './deps.ts';

function dlqFilter(c: Context): DlqFilter {
  const get = (name: string) => c.req.query(name) || undefined;
  const filter: DlqFilter = {};
  const ids = queryList(c, 'dlqIds') ?? queryList(c, 'dlqId');
  if (ids) filter.dlqIds = ids;
  for (const name of [
    'messageId',
    'url',
    'topicName',
    'scheduleId',
    'queueName',
    'label',
    'flowControlKey',
    'callerIp',
    'workflowRunId',
    'workflowUrl',
  ] as const) {
    const value = get(name);
    if (value !== undefined) filter[name] = value;
  }
  if (get('source') === 'workflow') filter.source = 'workflow';
  const status = queryInt(c, 'responseStatus', 0, 999);
  if (status !== undefined) filter.responseStatus = status;
  const from = queryInt(c, 'fromDate', 0, Number.MAX_SAFE_INTEGER);
  if (from !== undefined) filter.fromDate = from;
  const to = queryInt(c, 'toDate', 0, Number.MAX_SAFE_INTEGER);
  if (to !== undefined) filter.toDate = to;
  return filter;
}

const cursorOf = (c: Context) => queryInt(c, 'cursor', 0, Number.MAX_SAFE_INTEGER);

/** `GET /v2/dlq`, `DELETE /v2/dlq[/:id]`, `POST /v2/dlq/retry[/:id]`, all with cursors. */
export function dlqRoutes(app: Hono, deps: ApiDeps): void {
  app.get('/v2/dlq', async (c) => {
    const count = queryInt(c, 'count', 1, 1000) ?? 100;
    const page = await deps.store.listDlq(dlqFilter(c), cursorOf(c), count);
    return c.json({
      messages: page.entries.map(deadLetterJson),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    });
  });

  app.get('/v2/dlq/:dlqId', async (c) => {
    const page = await deps.store.listDlq({ dlqIds: [c.req.param('dlqId')] }, undefined, 1);
    const entry = page.entries[0];
    if (!entry) throw notFound(`DLQ entry ${c.req.param('dlqId')} not found`);
    return c.json(deadLetterJson(entry));
  });

  app.delete('/v2/dlq/:dlqId', async (c) => {
    const deleted = await deps.store.deleteDlq({ dlqIds: [c.req.param('dlqId')] });
    if (deleted === 0) throw notFound(`DLQ entry ${c.req.param('dlqId')} not found`);
    return c.json({ deleted });
  });

  app.delete('/v2/dlq', async (c) => {
    const count = queryInt(c, 'count', 1, 100_000);
    const filter = dlqFilter(c);
    const deleted = await deps.store.deleteDlq(filter, count);
    const rest = count === undefined ? undefined : await deps.store.listDlq(filter, undefined, 1);
    return c.json({ deleted, ...(rest?.entries.length ? { cursor: '1' } : {}) });
  });

  const retry = async (filter: DlqFilter, count: number, cursor: number | undefined) => {
    const page = await deps.store.listDlq(filter, cursor, count);
    const ids = await deps.engine.retryDeadLetters(page.entries);
    return {
      responses: ids.map((messageId) => ({ messageId })),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  };

  app.post('/v2/dlq/retry', async (c) =>
    c.json(await retry(dlqFilter(c), queryInt(c, 'count', 1, 1000) ?? 100, cursorOf(c)), 201),
  );

  app.post('/v2/dlq/retry/:dlqId', async (c) => {
    const result = await retry({ dlqIds: [c.req.param('dlqId')] }, 1, undefined);
    const first = result.responses[0];
    if (!first) throw notFound(`DLQ entry ${c.req.param('dlqId')} not found`);
    return c.json(first, 201);
  });
}
