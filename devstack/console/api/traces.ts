import type { Hono } from 'hono';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

const traceId = /^[0-9a-f]{32}$/i;

async function collectorJson(sources: ConsoleSources, path: string): Promise<unknown> {
  if (!sources.collector) throw new EdgeMeshError('NOT_FOUND', 'No OTLP collector runs.');
  const response = await fetch(`${sources.collector}${path}`, {
    signal: AbortSignal.timeout(3_000),
  });
  if (response.status === 404) return undefined;
  if (!response.ok)
    throw new EdgeMeshError('UPSTREAM', `The collector answered ${response.status}.`);
  return response.json();
}

/**
 * `GET /api/traces` (recent), `GET /api/traces?q=<trace id | order id>` (matching trace ids) and
 * `GET /api/traces/:traceId` (its spans), from the devstack's OTLP collector.
 */
export function traceRoutes(app: Hono, sources: ConsoleSources): void {
  app.get('/api/traces', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    if (!q) return c.json(await collectorJson(sources, '/api/traces?limit=30'));
    if (traceId.test(q)) return c.json({ traceIds: [q.toLowerCase()] });
    const found = (await collectorJson(
      sources,
      `/api/traces?attribute=order.id&value=${encodeURIComponent(q)}`,
    )) as { traceIds?: string[] } | undefined;
    return c.json({ traceIds: found?.traceIds ?? [] });
  });
  app.get('/api/traces/:traceId', async (c) => {
    const id = c.req.param('traceId');
    if (!traceId.test(id)) throw new EdgeMeshError('VALIDATION', 'A trace id is 32 hex digits.');
    const trace = await collectorJson(sources, `/api/traces/${id.toLowerCase()}`);
    if (!trace) throw new EdgeMeshError('NOT_FOUND', `No trace ${id} was collected.`);
    return c.json(trace);
  });
}
