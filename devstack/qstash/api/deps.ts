import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { DeliveryEngine } from '../delivery/engine.ts';
import { badInput } from '../input-error.ts';
import type { PublishLimits } from '../publish-headers.ts';
import type { QstashStore } from '../store/store.ts';
import type { WriteBatcher } from '../store/write-batch.ts';
import type { Workflows } from '../workflow/workflows.ts';

/** What the API routes share. */
export interface ApiDeps {
  store: QstashStore;
  engine: DeliveryEngine;
  writer: WriteBatcher;
  /** Upstash Workflow runs, waits and notifies. */
  workflows: Workflows;
  now: () => number;
  limits: PublishLimits & {
    /** Largest message body accepted, bytes. */
    maxBodyBytes: number;
  };
  keys: { current: string; next: string };
  /** How long a deduplication id or content hash is remembered, ms (QStash: 10 minutes). */
  dedupWindowMs: number;
  /** Queues known to exist, so enqueue creates each one once. */
  knownQueues: Set<string>;
}

type NodeEnv = { incoming?: IncomingMessage };

/** The request target exactly as sent, e.g. `/v2/publish/https://x.io//a?b=1`. */
export function rawTarget(c: Context): string {
  const incoming = (c.env as NodeEnv | undefined)?.incoming;
  if (incoming?.url) return incoming.url;
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}

/** The publisher's address, for `callerIP`. */
export function callerIp(c: Context): string | undefined {
  return (c.env as NodeEnv | undefined)?.incoming?.socket.remoteAddress;
}

/** The request body as bytes, refused with a 400 when it is over the limit. */
export async function readBody(c: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  const body = Buffer.from(await c.req.arrayBuffer());
  if (body.length > maxBytes) throw tooLarge(body.length, maxBytes);
  return body;
}

const tooLarge = (size: number, max: number) =>
  badInput(`message body is ${size} bytes; the limit is ${max} bytes`);

/** Query values of a name, for repeated parameters such as `messageIds`. */
export function queryList(c: Context, name: string): string[] | undefined {
  const values = c.req.queries(name);
  return values && values.length > 0 ? values : undefined;
}

/** An optional integer query parameter in [min, max]. */
export function queryInt(c: Context, name: string, min: number, max: number): number | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw badInput(
      `invalid query parameter ${name}="${value}": expected an integer from ${min} to ${max}`,
    );
  return number;
}

/** A JSON request body, or a 400 saying it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badInput('the request body is not valid JSON');
  }
}
