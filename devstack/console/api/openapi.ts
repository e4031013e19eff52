import type { Hono } from 'hono';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

/**
 * `GET /api/openapi/:function`: the function's `/openapi.json` when it serves one (200), else
 * 404, so the explorer appears only where a document exists.
 */
export function openapiRoutes(app: Hono, sources: ConsoleSources): void {
  app.get('/api/openapi/:fn', async (c) => {
    const fn = sources.functions.find((f) => f.name === c.req.param('fn'));
    if (!fn) throw new EdgeMeshError('NOT_FOUND', 'No such function.');
    const response = await fetch(`${fn.url}/openapi.json`, {
      signal: AbortSignal.timeout(2_000),
    }).catch(() => undefined);
    if (!response?.ok)
      throw new EdgeMeshError('NOT_FOUND', `${fn.name} serves no OpenAPI document.`);
    const document: unknown = await response.json();
    return c.json({ url: fn.url, document });
  });
}
