import type { Hono } from 'hono';
import type { MetricsSampler } from '../metrics/sampler.ts';
import type { ConsoleFunction, ConsoleSources } from '../sources.ts';

/** A line on the map: a function calls another, or publishes to a topic another consumes. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'call' | 'topic';
  readonly label: string;
}

/** Calls each function declares, and topic subscriptions (publisher → subscriber by topic). */
export function edgesOf(services: ConsoleSources['services']): Edge[] {
  const edges: Edge[] = [];
  for (const service of services) {
    for (const callee of Object.keys(service.definition.calls ?? {})) {
      edges.push({ from: service.name, to: callee, kind: 'call', label: 'HTTP' });
    }
  }
  for (const subscriber of services) {
    for (const { topic } of subscriber.definition.subscriptions ?? []) {
      const publishers = services.filter((s) => s.definition.topics?.includes(topic));
      for (const publisher of publishers.length > 0 ? publishers : [undefined]) {
        edges.push({
          from: publisher?.name ?? topic,
          to: subscriber.name,
          kind: 'topic',
          label: topic,
        });
      }
    }
  }
  return edges;
}

async function healthOf(fn: ConsoleFunction): Promise<unknown> {
  try {
    const response = await fetch(`${fn.url}/health`, { signal: AbortSignal.timeout(1_500) });
    return await response.json();
  } catch (error) {
    return {
      status: 'unreachable',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}

/** `GET /api/system`: functions with runtime, health and RED per route and dependency; edges. */
export function systemRoutes(app: Hono, sources: ConsoleSources, sampler: MetricsSampler): void {
  app.get('/api/system', async (c) => {
    const functions = await Promise.all(
      sources.functions.map(async (fn) => ({
        ...fn,
        health: await healthOf(fn),
        ...sampler.red(fn.name),
      })),
    );
    return c.json({ functions, edges: edgesOf(sources.services) });
  });
}
