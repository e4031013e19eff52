import type { Hono } from 'hono';
import * as z from 'zod';
import { topicNamePattern } from '../destinations.ts';
import { badInput, notFound } from '../input-error.ts';
import type { QueueRecord } from '../store/store.ts';
import { readJson, type ApiDeps } from './deps.ts';

const upsertSchema = z.object({
  queueName: z.string().regex(topicNamePattern, 'use letters, digits, -, _ and .'),
  parallelism: z.number().int().min(1).max(1000).optional(),
  paused: z.boolean().optional(),
});

/** Queues: upsert, list, get, delete, pause, resume (PROTOCOLS §2.3). */
export function queueRoutes(app: Hono, deps: ApiDeps): void {
  const json = (queue: QueueRecord) => ({
    name: queue.name,
    createdAt: queue.createdAt,
    updatedAt: queue.updatedAt,
    parallelism: queue.parallelism,
    paused: queue.paused,
    lag: deps.engine.queueLag(queue.name),
  });
  const find = async (name: string) => {
    const queue = (await deps.store.listQueues()).find((item) => item.name === name);
    if (!queue) throw notFound(`queue ${name} not found`);
    return queue;
  };
  const save = async (queue: QueueRecord) => {
    await deps.store.saveQueue(queue);
    deps.knownQueues.add(queue.name);
    deps.engine.setQueue(queue);
  };

  app.post('/v2/queues', async (c) => {
    const parsed = upsertSchema.safeParse(await readJson(c));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badInput(
        `invalid queue: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      );
    }
    const now = deps.now();
    const existing = (await deps.store.listQueues()).find((q) => q.name === parsed.data.queueName);
    await save({
      name: parsed.data.queueName,
      parallelism: parsed.data.parallelism ?? 1,
      paused: parsed.data.paused ?? false,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return c.json({});
  });

  app.get('/v2/queues', async (c) => c.json((await deps.store.listQueues()).map(json)));
  app.get('/v2/queues/:name', async (c) => c.json(json(await find(c.req.param('name')))));

  app.delete('/v2/queues/:name', async (c) => {
    const name = c.req.param('name');
    await find(name);
    await deps.engine.deleteQueue(name);
    await deps.store.deleteQueue(name);
    deps.knownQueues.delete(name);
    return c.json({});
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/v2/queues/:name/${action}`, async (c) => {
      const queue = await find(c.req.param('name'));
      await save({ ...queue, paused: action === 'pause', updatedAt: deps.now() });
      return c.json({});
    });
  }
}
