import type { Hono } from 'hono';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

const dlqId = /^[A-Za-z0-9._~:-]{1,200}$/;
const settled = new Set(['DELIVERED', 'FAILED', 'CANCELED']);

interface LogLine {
  readonly time: number;
  readonly state: string;
  readonly messageId: string;
  readonly url?: string;
  readonly topicName?: string;
  readonly nextDeliveryTime?: number;
  readonly error?: string;
}

/** Messages whose newest log line is not final: waiting for a delivery, a retry, or a time. */
export function inFlight(logs: readonly LogLine[]) {
  const newest = new Map<string, LogLine>();
  for (const line of logs) {
    const seen = newest.get(line.messageId);
    if (!seen || line.time >= seen.time) newest.set(line.messageId, line);
  }
  const pending = [...newest.values()].filter((line) => !settled.has(line.state));
  const now = Date.now();
  return {
    inFlight: pending.filter((line) => !line.nextDeliveryTime || line.nextDeliveryTime <= now),
    scheduled: pending.filter((line) => line.nextDeliveryTime && line.nextDeliveryTime > now),
  };
}

function checkedDlqId(id: string): string {
  if (!dlqId.test(id)) throw new EdgeMeshError('VALIDATION', 'That is not a dead letter id.');
  return id;
}

/**
 * `GET /api/queues`: topics and their subscribers, schedules, the newest delivery logs, messages
 * in flight or scheduled, and the DLQ, through the official QStash client.
 * `POST /api/dlq/:id/replay` and `DELETE /api/dlq/:id` act on one dead letter.
 */
export function queueRoutes(app: Hono, sources: ConsoleSources): void {
  const { qstash } = sources;
  app.get('/api/queues', async (c) => {
    const [topics, schedules, logs, dlq] = await Promise.all([
      qstash.urlGroups.list(),
      qstash.schedules.list(),
      qstash.logs({ count: 200 }),
      qstash.dlq.listMessages({ count: 50 }),
    ]);
    return c.json({
      topics: topics.map((topic) => ({
        name: topic.name,
        endpoints: topic.endpoints.map((e) => ({ name: e.name, url: e.url })),
      })),
      schedules: schedules.map((s) => ({
        scheduleId: s.scheduleId,
        cron: s.cron,
        destination: s.destination,
        isPaused: s.isPaused,
      })),
      logs: logs.logs.slice(0, 100),
      ...inFlight(logs.logs),
      dlq: dlq.messages.map((m) => ({
        dlqId: m.dlqId,
        messageId: m.messageId,
        url: m.url,
        topicName: m.topicName,
        createdAt: m.createdAt,
        responseStatus: m.responseStatus,
        body: m.body,
        responseBody: m.responseBody,
      })),
    });
  });
  app.post('/api/dlq/:id/replay', async (c) => {
    const result = await qstash.dlq.retry(checkedDlqId(c.req.param('id')));
    return c.json({ replayed: result.responses.map((r) => r.messageId) });
  });
  app.delete('/api/dlq/:id', async (c) => {
    await qstash.dlq.delete(checkedDlqId(c.req.param('id')));
    return c.json({ deleted: c.req.param('id') });
  });
}
