import { appendFile, mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { closeServer, listen } from '../listen.ts';
import { decodeOtlpTraces, OtlpDecodeError, type CollectedSpan } from './spans.ts';
import { memoryTraceStore, type TraceStore } from './trace-store.ts';

export interface OtlpCollectorOptions {
  /** 0 = any free port. */
  port: number;
  host?: string;
  /** Also append every span as one JSON line to this file, and load it at start. */
  file?: string;
  /** Traces kept in memory. Default 1000. */
  maxTraces?: number;
}

/** The devstack's OTLP/HTTP receiver and trace query API. */
export interface OtlpCollector {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4318. */
  readonly url: string;
  readonly port: number;
  readonly store: TraceStore;
  close(): Promise<void>;
}

/**
 * The collector's HTTP API: `POST /v1/traces` (OTLP/HTTP, JSON encoding; protobuf answers 415),
 * `GET /api/traces` (recent), `GET /api/traces/:traceId`, `GET /api/traces?attribute=order.id&value=X`.
 */
export function otlpCollectorApp(
  store: TraceStore,
  persist: (spans: CollectedSpan[]) => Promise<void> = async () => {},
): Hono {
  const app = new Hono();
  app.post('/v1/traces', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.includes('json')) {
      return c.json(
        { error: 'only the OTLP/HTTP JSON encoding is accepted (application/json)' },
        415,
      );
    }
    let spans: CollectedSpan[];
    try {
      spans = decodeOtlpTraces(await c.req.json());
    } catch (error) {
      const message = error instanceof OtlpDecodeError ? error.message : 'body is not JSON';
      return c.json({ error: message }, 400);
    }
    store.add(spans);
    await persist(spans);
    return c.json({ partialSuccess: {} }, 200);
  });
  app.get('/api/traces', (c) => {
    const attribute = c.req.query('attribute');
    const value = c.req.query('value');
    if (attribute && value !== undefined) {
      return c.json({ traceIds: store.findByAttribute(attribute, value) });
    }
    return c.json({ traces: store.recent(Number(c.req.query('limit') ?? 20)) });
  });
  app.get('/api/traces/:traceId', (c) => {
    const spans = store.get(c.req.param('traceId'));
    if (spans.length === 0) return c.json({ error: 'no such trace' }, 404);
    return c.json({ traceId: c.req.param('traceId').toLowerCase(), spans });
  });
  return app;
}

/** Reads spans persisted as JSON lines; a missing file is no spans. */
export async function readSpanFile(file: string): Promise<CollectedSpan[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const spans: CollectedSpan[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      spans.push(JSON.parse(line) as CollectedSpan);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  return spans;
}

/** Starts the OTLP/HTTP receiver on host:port. */
export async function startOtlpCollector({
  port,
  host = '127.0.0.1',
  file,
  maxTraces,
}: OtlpCollectorOptions): Promise<OtlpCollector> {
  const store = memoryTraceStore(maxTraces === undefined ? {} : { maxTraces });
  let persist: ((spans: CollectedSpan[]) => Promise<void>) | undefined;
  if (file) {
    await mkdir(dirname(file), { recursive: true });
    store.add(await readSpanFile(file));
    persist = (spans) =>
      appendFile(file, spans.map((span) => `${JSON.stringify(span)}\n`).join(''));
  }
  const app = otlpCollectorApp(store, persist);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const bound = await listen(server, port, host, 'otlp collector');
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    store,
    close: () => closeServer(server),
  };
}
