import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorStatus, isEdgeMeshError } from '../../shared/errors/index.ts';
import type { ApiDeps } from './api/deps.ts';
import { dlqRoutes } from './api/dlq.ts';
import { eventRoutes } from './api/events.ts';
import { flowControlRoutes } from './api/flow-control.ts';
import { messageRoutes } from './api/messages.ts';
import { publishRoutes } from './api/publish.ts';
import { queueRoutes } from './api/queues.ts';
import { scheduleRoutes } from './api/schedules.ts';
import { topicRoutes } from './api/topics.ts';
import { workflowHookRoute, workflowRoutes } from './api/workflows.ts';

/** Options of the HTTP API beyond what the routes share. */
export interface QstashAppOptions extends ApiDeps {
  /** The bearer token clients must send (QSTASH_TOKEN). */
  token: string;
  log: (line: string) => void;
}

/**
 * QStash's v2 REST API as `@upstash/qstash` calls it. Errors use QStash's shape,
 * `{"error": "..."}`, with the status from shared/errors' table.
 */
export function createQstashApp(options: QstashAppOptions): Hono {
  const app = new Hono();
  const expected = `Bearer ${options.token}`;

  // Webhook URLs are called by third parties, which hold no QStash token.
  workflowHookRoute(app, options);
  app.use('*', async (c, next) => {
    const given = c.req.header('authorization');
    if (given !== expected) {
      return c.json(
        { error: given ? 'invalid token' : 'missing Authorization: Bearer <QSTASH_TOKEN>' },
        401,
      );
    }
    await next();
    return undefined;
  });

  app.get('/v2/keys', (c) => c.json({ current: options.keys.current, next: options.keys.next }));
  publishRoutes(app, options);
  messageRoutes(app, options);
  dlqRoutes(app, options);
  eventRoutes(app, options);
  queueRoutes(app, options);
  topicRoutes(app, options);
  scheduleRoutes(app, options);
  flowControlRoutes(app, options);
  workflowRoutes(app, options);

  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (isEdgeMeshError(error)) {
      return c.json({ error: error.message }, errorStatus[error.code] as ContentfulStatusCode);
    }
    options.log(`qstash: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  return app;
}
