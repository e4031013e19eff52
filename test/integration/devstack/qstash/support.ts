import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client, Receiver } from '@upstash/qstash';
import { closeServer, listen } from '../../../../devstack/listen.ts';
import {
  startQstashServer,
  type QstashServer,
  type QstashServerOptions,
} from '../../../../devstack/qstash/index.ts';

/** One request the test receiver got, and whether the official Receiver accepted its signature. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  verified: boolean;
  at: number;
}

/** What the receiver answers; default 200. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string };

/** A real HTTP endpoint on 127.0.0.1 that verifies every delivery with `Receiver`. */
export interface TestReceiver {
  url: string;
  received: Received[];
  /** Sets how requests to `path` (query ignored) are answered; default 200. */
  reply: (path: string, handler: (request: Received) => Reply | Promise<Reply>) => void;
  /** Resolves once `count` requests matching `match` arrived. */
  waitFor: (
    count: number,
    match?: (r: Received) => boolean,
    timeoutMs?: number,
  ) => Promise<Received[]>;
  close: () => Promise<void>;
}

export async function startReceiver(keys: {
  current: string;
  next: string;
}): Promise<TestReceiver> {
  const receiver = new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next });
  const received: Received[] = [];
  const handlers = new Map<string, (request: Received) => Reply | Promise<Reply>>();
  const waiters = new Set<() => void>();
  let base = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const signature = String(req.headers['upstash-signature'] ?? '');
      receiver
        .verify({ signature, body: body.toString('utf8'), url: `${base}${req.url ?? ''}` })
        .then(
          () => true,
          () => false,
        )
        .then(async (verified) => {
          const request: Received = {
            method: req.method ?? '',
            path: req.url ?? '',
            headers: req.headers,
            body,
            verified,
            at: Date.now(),
          };
          const handler = handlers.get(request.path.split('?')[0]!);
          const reply = handler ? await handler(request) : { status: 200 };
          received.push(request);
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body ?? '');
          for (const wake of waiters) wake();
        })
        .catch(() => res.destroy());
    });
  });
  const port = await listen(server, 0);
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    received,
    reply: (path, handler) => {
      handlers.set(path, handler);
    },
    waitFor: (count, match = () => true, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hits = received.filter(match);
          if (hits.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hits);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${count} request(s); got ${received.filter(match).length}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => closeServer(server),
  };
}

/** A unique schema per test file, dropped when the server closes for the last time. */
export function uniqueSchema(): string {
  return `qstash_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Starts a throwaway QStash server over the test run's Postgres, retry waits ÷1000. */
export function startTestQstash(
  databaseUrl: string,
  options: Partial<QstashServerOptions> = {},
): Promise<QstashServer> {
  return startQstashServer({
    databaseUrl,
    schema: uniqueSchema(),
    delayScale: 1000,
    closeGraceMs: 1000,
    ...options,
  });
}

/** The official client pointed at `server`, without network retries hiding errors. */
export function clientFor(server: QstashServer): Client {
  return new Client({ baseUrl: server.url, token: server.token, retry: false });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
