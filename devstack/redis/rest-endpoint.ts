import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { closeServer, listen } from '../listen.ts';
import type { RedisBackend } from './backend.ts';
import type { Reply } from './reply.ts';
import {
  parseCommand,
  parseCommandList,
  parseJson,
  type ParsedCommand,
} from './request-commands.ts';
import { toUpstashItem, toUpstashValue } from './upstash-encoding.ts';
import { upstashScriptFlags } from './upstash-script-flags.ts';

export interface UpstashRestOptions {
  backend: RedisBackend;
  /** The bearer token clients must send (UPSTASH_REDIS_REST_TOKEN). */
  token: string;
}

export interface UpstashEndpointOptions extends UpstashRestOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface UpstashEndpoint {
  /** Base URL for UPSTASH_REDIS_REST_URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Stops the HTTP server; the backend stays open (its owner closes it). */
  close(): Promise<void>;
}

const RESERVED = new Set(['pipeline', 'multi-exec']);

const fail = (c: Context, status: ContentfulStatusCode, error: string) => c.json({ error }, status);

const wantsBase64 = (c: Context) => c.req.header('upstash-encoding')?.toLowerCase() === 'base64';

/** The Upstash Redis REST API (PROTOCOLS §1) in front of any backend. */
export function upstashRestApp({ backend, token }: UpstashRestOptions): Hono {
  const app = new Hono();
  let syncToken = 0;
  const scripts = upstashScriptFlags();

  /** Runs commands as one batch, with Upstash-only script flags translated for Redis. */
  const executeBatch = async (commands: readonly (readonly string[])[], atomic: boolean) => {
    const translated = commands.map((command) => scripts.translate(command));
    const replies = await backend.executeBatch(
      translated.map((t) => t.command),
      atomic,
    );
    if (!Array.isArray(replies)) return replies;
    return replies.map((reply, i) => translated[i]?.reply?.(reply) ?? reply);
  };

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : c.req.query('_token');
    if (given !== token) return c.json({ error: 'Unauthorized' }, 401);
    syncToken += 1;
    c.header('upstash-sync-token', String(syncToken));
    await next();
    return undefined;
  });

  const single = async (c: Context, parsed: ParsedCommand) => {
    if (!parsed.ok) return fail(c, 400, parsed.error);
    const translated = scripts.translate(parsed.command);
    const raw = await backend.execute(translated.command);
    const reply = translated.reply?.(raw) ?? raw;
    if (reply.kind === 'error') return fail(c, 400, reply.message);
    return c.json({ result: toUpstashValue(reply, wantsBase64(c)) });
  };

  const readJson = async (c: Context) => parseJson(await c.req.text());

  app.post('/', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return fail(c, 400, 'ERR the body is not valid JSON');
    return single(c, parseCommand(body.value));
  });

  app.post('/pipeline', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return fail(c, 400, 'ERR the body is not valid JSON');
    const list = parseCommandList(body.value);
    if (!list.ok) return fail(c, 400, list.error);
    const runnable = list.commands.flatMap((parsed) => (parsed.ok ? [parsed.command] : []));
    const replies = await executeBatch(runnable, false);
    if (!Array.isArray(replies)) return fail(c, 500, replies.discarded.message);
    let next = 0;
    const items = list.commands.map((parsed): Reply => {
      if (!parsed.ok) return { kind: 'error', message: parsed.error };
      return replies[next++] ?? { kind: 'error', message: 'ERR no reply' };
    });
    return c.json(items.map((reply) => toUpstashItem(reply, wantsBase64(c))));
  });

  app.post('/multi-exec', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return fail(c, 400, 'ERR the body is not valid JSON');
    const list = parseCommandList(body.value);
    if (!list.ok) return fail(c, 400, list.error);
    const commands: string[][] = [];
    for (const parsed of list.commands) {
      if (!parsed.ok) return fail(c, 400, parsed.error);
      commands.push(parsed.command);
    }
    const replies = await executeBatch(commands, true);
    // A 200 that is not an array crashes the client, so a discarded transaction is a 400.
    if (!Array.isArray(replies)) return fail(c, 400, replies.discarded.message);
    return c.json(replies.map((reply) => toUpstashItem(reply, wantsBase64(c))));
  });

  // Path-style commands (`GET /set/foo/bar?EX=100`), which the JS client never sends.
  app.on(['GET', 'POST'], '/:command/*', async (c) => {
    const words = c.req.path.split('/').slice(1).map(decodeURIComponent);
    if (RESERVED.has(words[0] ?? '')) return c.notFound();
    const command = words.filter((word, i) => i === 0 || word !== '');
    for (const [name, value] of new URL(c.req.url).searchParams) {
      if (name === '_token') continue;
      command.push(name);
      if (value !== '') command.push(value);
    }
    if (c.req.method === 'POST') {
      const body = await c.req.text();
      if (body !== '') command.push(body);
    }
    return single(c, parseCommand(command));
  });

  app.notFound((c) => fail(c, 404, `Not found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => fail(c, 500, `ERR ${error.message}`));
  return app;
}

/** Serves the Upstash REST API over HTTP until close(). */
export async function startUpstashEndpoint({
  backend,
  token,
  port = 0,
  host = '127.0.0.1',
}: UpstashEndpointOptions): Promise<UpstashEndpoint> {
  const app = upstashRestApp({ backend, token });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const bound = await listen(server, port, host, 'upstash redis endpoint');
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    token,
    port: bound,
    close: () => closeServer(server),
  };
}
