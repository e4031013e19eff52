import { Hono } from 'hono';
import { problemErrorHandler } from '../../shared/errors/hono.ts';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { breakerRoutes } from './api/breakers.ts';
import { openapiRoutes } from './api/openapi.ts';
import { orderRoutes } from './api/orders.ts';
import { queueRoutes } from './api/queues.ts';
import { settingsRoutes } from './api/settings.ts';
import { systemRoutes } from './api/system.ts';
import { traceRoutes } from './api/traces.ts';
import { loopbackHost, operatorWrites, securityHeaders } from './guard.ts';
import type { MetricsSampler } from './metrics/sampler.ts';
import type { ConsoleSources } from './sources.ts';
import type { UiFiles } from './ui-bundle.ts';

export interface ConsoleAppOptions {
  sources: ConsoleSources;
  sampler: MetricsSampler;
  ui: UiFiles;
  operatorToken: string;
  /** The bound port, for the Host check (known once listening). */
  port: () => number;
  log?: (line: string) => void;
}

const types: Record<keyof UiFiles, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The console: its page, and the JSON API the page reads and writes through. */
export function consoleApp(options: ConsoleAppOptions): Hono {
  const { sources, ui } = options;
  const app = new Hono();
  app.use('*', securityHeaders);
  app.use('*', loopbackHost(options.port));
  app.use('/api/*', operatorWrites(options.operatorToken));
  app.get('/', (c) => c.body(ui['index.html'], 200, { 'content-type': types['index.html'] }));
  for (const file of ['console.js', 'console.css'] as const) {
    app.get(`/${file}`, (c) => c.body(ui[file], 200, { 'content-type': types[file] }));
  }
  systemRoutes(app, sources, options.sampler);
  orderRoutes(app, sources);
  traceRoutes(app, sources);
  breakerRoutes(app, sources);
  queueRoutes(app, sources);
  settingsRoutes(app, sources);
  openapiRoutes(app, sources);
  app.notFound(() => {
    throw new EdgeMeshError('NOT_FOUND', 'No such page.');
  });
  app.onError(
    problemErrorHandler({
      onServerError: (error, c) =>
        options.log?.(`console: ${c.req.method} ${c.req.path} failed: ${String(error)}`),
    }),
  );
  return app;
}
