import type { Hono } from 'hono';
import { queryInt, type ApiDeps } from './deps.ts';

/** Flow-control keys (`/v2/flowControl/<key>[/action]`) and `/v2/globalParallelism`; in memory. */
export function flowControlRoutes(app: Hono, deps: ApiDeps): void {
  app.get('/v2/flowControl/:key', (c) => c.json(deps.engine.flowInfo(c.req.param('key'))));
  app.get('/v2/globalParallelism', (c) => c.json(deps.engine.globalParallelism()));
  for (const action of ['pause', 'resume', 'resetRate', 'pin', 'unpin'] as const) {
    app.post(`/v2/flowControl/:key/${action}`, (c) => {
      const parallelism = queryInt(c, 'parallelism', 1, 10_000);
      const rate = queryInt(c, 'rate', 1, 1_000_000);
      const period = queryInt(c, 'period', 1, 86_400);
      deps.engine.controlFlow(c.req.param('key'), action, {
        ...(parallelism !== undefined ? { parallelism } : {}),
        ...(rate !== undefined ? { rate } : {}),
        ...(period !== undefined ? { periodMs: period * 1000 } : {}),
      });
      return c.json({});
    });
  }
}
