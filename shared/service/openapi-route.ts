import type { Hono } from 'hono';
import {
  openApiDocument,
  operation,
  type Caller,
  type DocumentOptions,
  type OpenApiDocument,
} from '../openapi/index.ts';
import { accessOf, subscriptionsOf, type ServiceDefinition } from './definition.ts';
import type { ServiceEnv } from './deps.ts';
import { metricsPathItem, openApiDoc } from './toolkit-docs.ts';

/** What the declaration tells the document: guards, QStash routes, consumers, rate limits. */
export function documentOptions(definition: ServiceDefinition): DocumentOptions {
  const subscriptions = subscriptionsOf(definition).map((s) => `POST ${s.path}`);
  const qstash: Record<string, readonly Caller[]> = Object.fromEntries(
    [
      ...subscriptions,
      ...(definition.outbox ? ['POST /outbox/sweep'] : []),
      ...(definition.schedules ?? []).map((schedule) => `POST ${schedule.path}`),
    ].map((route) => [route, ['qstash']]),
  );
  const rateLimited = Object.fromEntries(
    Object.entries(definition.rateLimits ?? {}).map(([route, rules]) => [
      route,
      (rules ?? []).map((rule) => rule.name),
    ]),
  );
  return {
    title: definition.name,
    version: '1.0.0',
    description: `The ${definition.name} function of edgemesh. Internal operations (x-internal) admit only the callers in x-edgemesh-callers; every error is application/problem+json.`,
    internal: { ...qstash, ...(accessOf(definition) as Record<string, readonly Caller[]>) },
    consumers: subscriptions,
    rateLimited,
    paths: { '/metrics': metricsPathItem },
  };
}

/** `GET /openapi.json`: the document of the whole app (`documented()`), built once per isolate. */
export function mountOpenApi(
  app: Hono<ServiceEnv>,
  definition: ServiceDefinition,
  documented: () => Hono,
): void {
  let document: Promise<OpenApiDocument> | undefined;
  app.get('/openapi.json', operation(openApiDoc), async (c) => {
    document ??= openApiDocument(documented(), documentOptions(definition)).catch((error) => {
      document = undefined;
      throw error;
    });
    return c.json(await document, 200);
  });
}
