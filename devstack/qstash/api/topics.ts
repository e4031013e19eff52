import type { Hono } from 'hono';
import * as z from 'zod';
import { topicNamePattern } from '../destinations.ts';
import { badInput, notFound } from '../input-error.ts';
import { httpUrlOrThrow } from '../publish-headers.ts';
import type { Topic } from '../store/store.ts';
import { readJson, type ApiDeps } from './deps.ts';

const endpointsSchema = z.object({
  endpoints: z.array(z.object({ url: z.string().optional(), name: z.string().optional() })),
});

/** URL groups (topics): add/remove endpoints, list, get, delete. */
export function topicRoutes(app: Hono, deps: ApiDeps): void {
  const json = (topic: Topic) => ({
    name: topic.name,
    createdAt: topic.createdAt,
    updatedAt: topic.updatedAt,
    endpoints: topic.endpoints,
  });
  const nameOf = (name: string) => {
    if (!topicNamePattern.test(name))
      throw badInput(`invalid URL group name "${name}": use letters, digits, -, _ and .`);
    return name;
  };
  const endpointsOf = (body: unknown) => {
    const parsed = endpointsSchema.safeParse(body);
    if (!parsed.success) throw badInput('expected {"endpoints": [{"url": "...", "name"?: "..."}]}');
    return parsed.data.endpoints;
  };

  app.post('/v2/topics/:name/endpoints', async (c) => {
    const name = nameOf(c.req.param('name'));
    const added = endpointsOf(await readJson(c));
    const now = deps.now();
    const topic = (await deps.store.getTopic(name)) ?? {
      name,
      endpoints: [],
      createdAt: now,
      updatedAt: now,
    };
    for (const endpoint of added) {
      if (!endpoint.url) throw badInput('every endpoint needs a url');
      httpUrlOrThrow(endpoint.url, 'endpoint url');
      topic.endpoints = topic.endpoints.filter((item) => item.url !== endpoint.url);
      topic.endpoints.push({
        url: endpoint.url,
        ...(endpoint.name ? { name: endpoint.name } : {}),
      });
    }
    await deps.store.saveTopic({ ...topic, updatedAt: now });
    return c.json({});
  });

  app.delete('/v2/topics/:name/endpoints', async (c) => {
    const name = nameOf(c.req.param('name'));
    const removed = endpointsOf(await readJson(c));
    const topic = await deps.store.getTopic(name);
    if (!topic) throw notFound(`URL group ${name} not found`);
    topic.endpoints = topic.endpoints.filter(
      (item) =>
        !removed.some(
          (gone) =>
            (gone.url !== undefined && gone.url === item.url) ||
            (gone.name !== undefined && gone.name === item.name),
        ),
    );
    await deps.store.saveTopic({ ...topic, updatedAt: deps.now() });
    return c.json({});
  });

  app.get('/v2/topics', async (c) => c.json((await deps.store.listTopics()).map(json)));

  app.get('/v2/topics/:name', async (c) => {
    const topic = await deps.store.getTopic(c.req.param('name'));
    if (!topic) throw notFound(`URL group ${c.req.param('name')} not found`);
    return c.json(json(topic));
  });

  app.delete('/v2/topics/:name', async (c) => {
    if (!(await deps.store.deleteTopic(c.req.param('name'))))
      throw notFound(`URL group ${c.req.param('name')} not found`);
    return c.json({});
  });
}
