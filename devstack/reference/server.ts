import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { proxy } from 'hono/proxy';
import { EdgeMeshError, problemErrorHandler, problemNotFound } from '../../shared/errors/index.ts';
import { closeServer, listen } from '../listen.ts';
import { referencePage } from './page.ts';

const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export interface ApiReferenceOptions {
  /** Function name → its URL. */
  functions: Readonly<Record<string, string>>;
  /** Default 0 (any free port); bound to 127.0.0.1. */
  port?: number;
}

export interface ApiReference {
  /** e.g. `http://127.0.0.1:8098/`. */
  readonly url: string;
  close(): Promise<void>;
}

function functionUrl(functions: ApiReferenceOptions['functions'], name: string): string {
  const url = functions[name];
  if (!url) throw new EdgeMeshError('NOT_FOUND', `No function ${name} runs here.`);
  return url;
}

/**
 * The reference app: the page, its assets, each function's document with `servers` pointing at
 * `/functions/<name>` here, and that prefix proxied to the function, so "Try it out" calls the
 * function from the page's own origin.
 */
export function referenceApp({ functions }: ApiReferenceOptions): Hono {
  return new Hono()
    .get('/', (c) => c.html(referencePage(Object.keys(functions))))
    .get('/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = assets[file];
      if (!type) throw new EdgeMeshError('NOT_FOUND', `No asset ${file}.`);
      return c.body(await readFile(join(assetsDir, file)), 200, { 'content-type': type });
    })
    .get('/specs/:file{[a-z][a-z0-9-]*\\.json}', async (c) => {
      const name = c.req.param('file').replace(/\.json$/, '');
      const response = await fetch(`${functionUrl(functions, name)}/openapi.json`);
      if (!response.ok) {
        throw new EdgeMeshError(
          'UPSTREAM',
          `${name} answered ${response.status} for its document.`,
        );
      }
      const document = (await response.json()) as Record<string, unknown>;
      return c.json({ ...document, servers: [{ url: `/functions/${name}`, description: name }] });
    })
    .all('/functions/:name/*', (c) => {
      const name = c.req.param('name');
      const url = new URL(c.req.url);
      const rest = url.pathname.slice(`/functions/${name}`.length) || '/';
      return proxy(`${functionUrl(functions, name)}${rest}${url.search}`, c.req);
    })
    .notFound(problemNotFound)
    .onError(problemErrorHandler({ onServerError: () => {} }));
}

/** Serves the interactive API reference of every running function. */
export async function startApiReference(options: ApiReferenceOptions): Promise<ApiReference> {
  const server = createAdaptorServer({ fetch: referenceApp(options).fetch }) as Server;
  const bound = await listen(server, options.port ?? 0, '127.0.0.1', 'devstack API reference');
  return { url: `http://127.0.0.1:${bound}/`, close: () => closeServer(server) };
}
