import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import {
  EdgeMeshError,
  isEdgeMeshError,
  problemErrorHandler,
  problemNotFound,
} from '../../shared/errors/index.ts';
import { closeServer, listen } from '../listen.ts';
import { restartOptionsSchema, runRestart, type RestartCommand } from './restart.ts';
import { parseTcpFaults } from './tcp-faults.ts';
import type { TcpFaultProxy } from './tcp-proxy.ts';

/** What the control API acts on; both maps may grow after start (e.g. a function's restart). */
export interface ControlTargets {
  /** TCP fault proxies by name, e.g. `postgres`, `redis`. */
  proxies: Record<string, TcpFaultProxy>;
  /** Restart commands by name, e.g. `postgres`, `redis`, `qstash`. */
  restarts: Record<string, RestartCommand>;
  log?: (line: string) => void;
}

export interface ControlServerOptions extends ControlTargets {
  /** Port to listen on; default 0 (any free port). Always bound to 127.0.0.1. */
  port?: number;
}

/** The running control API. */
export interface ControlServer {
  /** e.g. `http://127.0.0.1:8099`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EdgeMeshError('VALIDATION', 'the body is not valid JSON', { cause: error });
  }
}

/**
 * The devstack's fault control API (JSON; errors are problem+json):
 * `GET /faults`, `GET|PUT|DELETE /faults/:name`, `DELETE /faults` (every proxy off),
 * `GET /restarts`, `POST /restarts/:name` with optional `{keepData, downMs}`.
 */
export function controlApp({ proxies, restarts, log = () => {} }: ControlTargets): Hono {
  const app = new Hono();
  const proxy = (name: string) => {
    const found = Object.hasOwn(proxies, name) ? proxies[name] : undefined;
    if (!found) {
      throw new EdgeMeshError('NOT_FOUND', `no fault proxy named ${name}`, {
        extensions: { known: Object.keys(proxies) },
      });
    }
    return found;
  };

  app.get('/faults', (c) => c.json({ proxies: Object.values(proxies).map((p) => p.state()) }));
  app.delete('/faults', (c) => {
    for (const each of Object.values(proxies)) each.clear();
    log('faults: every proxy cleared');
    return c.json({ proxies: Object.values(proxies).map((p) => p.state()) });
  });
  app.get('/faults/:name', (c) => c.json(proxy(c.req.param('name')).state()));
  app.put('/faults/:name', async (c) => {
    const target = proxy(c.req.param('name'));
    return c.json(target.set(parseTcpFaults(await jsonBody(c))));
  });
  app.delete('/faults/:name', (c) => c.json(proxy(c.req.param('name')).clear()));

  app.get('/restarts', (c) =>
    c.json({
      restarts: Object.entries(restarts).map(([name, command]) => ({
        name,
        description: command.description,
      })),
    }),
  );
  app.post('/restarts/:name', async (c) => {
    const name = c.req.param('name');
    const command = Object.hasOwn(restarts, name) ? restarts[name] : undefined;
    if (!command) {
      throw new EdgeMeshError('NOT_FOUND', `nothing to restart named ${name}`, {
        extensions: { known: Object.keys(restarts) },
      });
    }
    const parsed = restartOptionsSchema.safeParse(await jsonBody(c));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(root)',
        message: issue.message,
      }));
      throw new EdgeMeshError('VALIDATION', `invalid restart options: ${issues[0]!.path}`, {
        issues,
      });
    }
    log(`restart: ${name}…`);
    try {
      const report = await runRestart(name, command, parsed.data);
      log(`restart: ${name} serving again after ${report.tookMs} ms (${report.detail})`);
      return c.json(report);
    } catch (error) {
      if (isEdgeMeshError(error)) throw error;
      throw new EdgeMeshError(
        'UNAVAILABLE',
        `restart of ${name} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  });

  app.notFound(problemNotFound);
  app.onError(problemErrorHandler({ onServerError: (error) => log(`control: ${String(error)}`) }));
  return app;
}

/**
 * Serves the control API on 127.0.0.1 only: it can take the devstack's dependencies down.
 * @example const control = await startControlServer({ port: 8099, proxies: plane.faults, restarts: plane.restarts });
 */
export async function startControlServer({
  port = 0,
  ...targets
}: ControlServerOptions): Promise<ControlServer> {
  const server = createAdaptorServer({ fetch: controlApp(targets).fetch }) as Server;
  const bound = await listen(server, port, '127.0.0.1', 'devstack control server');
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () => closeServer(server),
  };
}
