import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import pg from 'pg';
import { listen } from '../listen.ts';
import { createQstashApp } from './app.ts';
import { devCredentials } from './credentials.ts';
import { createDeliveryEngine } from './delivery/engine.ts';
import { resolveDestination } from './destinations.ts';
import { migrateSchema } from './store/schema.ts';
import { createQstashStore } from './store/store.ts';
import { createWriteBatcher } from './store/write-batch.ts';
import { createWorkflowStore } from './workflow/store.ts';
import { createWorkflows } from './workflow/workflows.ts';

export interface QstashServerOptions {
  /** The Postgres the server keeps its state in (its own schema). */
  databaseUrl: string;
  /** 0 = any free port. Default 0. */
  port?: number;
  host?: string;
  /** Default: QStash's published dev credentials, so the SDK's dev mode finds this server. */
  token?: string;
  currentSigningKey?: string;
  nextSigningKey?: string;
  /** Postgres schema of the server's tables. Default `qstash`. */
  schema?: string;
  /** Divides retry waits so local runs do not wait minutes; default 1 (QStash's timing). */
  delayScale?: number;
  /** The clock, unix ms; default Date.now. */
  now?: () => number;
  /** Deliveries in flight at once. Default 256. */
  maxInFlight?: number;
  /** Largest message body, bytes. Default 1 MiB (QStash's free-tier limit). */
  maxBodyBytes?: number;
  /** Upstash-Retries when absent. Default 3. */
  defaultRetries?: number;
  /** Delivery timeout when Upstash-Timeout is absent, ms. Default 5 minutes. */
  defaultTimeoutMs?: number;
  /** How long close() lets running deliveries finish before aborting them, ms. Default 5 s. */
  closeGraceMs?: number;
  /** Drops the schema on close (for throwaway test servers). Default false. */
  dropSchemaOnClose?: boolean;
  /** Postgres connections. Default 8. */
  poolSize?: number;
  /**
   * Wait for the WAL flush on every commit. Default false: commits return before the fsync, so
   * stopping and starting the devstack loses nothing, but a crash of Postgres itself (or of the
   * machine) can lose the last fraction of a second of accepted messages. true = full durability.
   */
  synchronousCommit?: boolean;
  log?: (line: string) => void;
}

/** A running local QStash. */
export interface QstashServer {
  /** QSTASH_URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly currentSigningKey: string;
  readonly nextSigningKey: string;
  readonly schema: string;
  /** QSTASH_URL, QSTASH_TOKEN, QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY. */
  readonly vars: Record<string, string>;
  /** Stops accepting, lets deliveries in flight finish (up to closeGraceMs), keeps the rest. */
  close(): Promise<void>;
  /**
   * Like close(), but never drops the schema even with dropSchemaOnClose: for a restart, where a
   * server started again on the same schema resumes every message.
   */
  stop(): Promise<void>;
}

const eventRetentionMs = 3 * 86_400_000;

/**
 * Starts a QStash-compatible server over Postgres: every accepted message is a row until it is
 * acknowledged, so a restart over the same database resumes where the last run stopped.
 * @example const qstash = await startQstashServer({ databaseUrl: env.DATABASE_URL, port: 8080 });
 */
export async function startQstashServer(options: QstashServerOptions): Promise<QstashServer> {
  const settings = settingsOf(options);
  const pool = openPool(options, settings.log);
  let server: Server | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  try {
    const services = await startServices(pool, options, settings);
    pruneTimer = services.pruneTimer;
    const http = createAdaptorServer({
      fetch: createApp(services, options, settings).fetch,
    }) as Server;
    server = http;
    const host = options.host ?? '127.0.0.1';
    const port = await listen(http, options.port ?? 0, host, 'qstash server');
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    settings.log(
      `qstash: serving ${url} (schema ${settings.schema}, retry delays ÷${settings.delayScale})`,
    );
    return serverHandle({ url, port, http, pool, services, options, settings });
  } catch (error) {
    clearInterval(pruneTimer);
    if (server?.listening) await stopHttp(server);
    await pool.end().catch(() => {});
    throw error;
  }
}

/** The options' defaults, checked. */
function settingsOf(options: QstashServerOptions) {
  const delayScale = options.delayScale ?? 1;
  if (!(delayScale > 0)) throw new Error(`qstash delayScale must be positive, got ${delayScale}`);
  const defaultRetries = options.defaultRetries ?? 3;
  return {
    log: options.log ?? (() => {}),
    now: options.now ?? Date.now,
    schema: options.schema ?? 'qstash',
    token: options.token ?? devCredentials.token,
    keys: {
      current: options.currentSigningKey ?? devCredentials.currentSigningKey,
      next: options.nextSigningKey ?? devCredentials.nextSigningKey,
    },
    delayScale,
    defaultRetries,
    limits: { defaultRetries, maxRetries: 100 },
  };
}

type Settings = ReturnType<typeof settingsOf>;

function openPool(options: QstashServerOptions, log: (line: string) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 8,
    ...(options.synchronousCommit ? {} : { options: '-c synchronous_commit=off' }),
  });
  pool.on('error', (error) => log(`qstash: idle Postgres connection failed: ${error.message}`));
  // pg-pool listens only on idle clients; one that is checked out when Postgres restarts would
  // emit an unhandled 'error' and take the process down. Its query fails and the caller retries.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Migrates the schema, builds the store, engine and workflows, and resumes what was left. */
async function startServices(pool: pg.Pool, options: QstashServerOptions, settings: Settings) {
  const { now, schema, limits, log } = settings;
  await migrateSchema(pool, schema);
  const store = createQstashStore(pool, schema);
  const writer = createWriteBatcher((batch) => store.apply(batch));
  const engine = createDeliveryEngine({
    store,
    writer,
    now,
    signingKey: settings.keys.current,
    delayScale: settings.delayScale,
    defaultRetries: settings.defaultRetries,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 300_000,
    maxInFlight: options.maxInFlight ?? 256,
    maxResponseBytes: 64 * 1024,
    resolveDestination: (destination) => resolveDestination(store, destination),
    // Called only once deliveries run, after `workflows` below exists.
    onDeadLetter: (dead) => workflows.onDeadLetter(dead),
    log,
  });
  const workflows = createWorkflows({
    store: createWorkflowStore(pool, schema),
    engine,
    writer,
    now,
    limits,
    log,
  });
  const prune = () =>
    Promise.all([
      store.prune(now() - eventRetentionMs, now()),
      workflows.prune(now() - eventRetentionMs),
    ]).catch((error: unknown) => {
      log(`qstash: pruning old events failed: ${(error as Error).message}`);
    });
  await prune();
  // Runs first: the engine's first deliveries may already fail a run.
  await workflows.start();
  await engine.start();
  const pruneTimer = setInterval(() => void prune(), 3_600_000).unref();
  return { store, writer, engine, workflows, pruneTimer };
}

type Services = Awaited<ReturnType<typeof startServices>>;

function createApp(
  { store, engine, writer, workflows }: Services,
  options: QstashServerOptions,
  { now, limits, keys, token, log }: Settings,
) {
  return createQstashApp({
    store,
    engine,
    writer,
    workflows,
    now,
    limits: { ...limits, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 },
    keys,
    dedupWindowMs: 10 * 60_000,
    knownQueues: new Set(),
    token,
    log,
  });
}

/** The running server's handle: its address, credentials and an idempotent shutdown. */
function serverHandle(parts: {
  url: string;
  port: number;
  http: Server;
  pool: pg.Pool;
  services: Services;
  options: QstashServerOptions;
  settings: Settings;
}): QstashServer {
  const { url, port, http, pool, services, options, settings } = parts;
  const { token, keys, schema } = settings;
  let closed: Promise<void> | undefined;
  const shutdown = async (dropSchema: boolean) => {
    clearInterval(services.pruneTimer);
    await stopHttp(http);
    services.workflows.close();
    await services.engine.close(options.closeGraceMs ?? 5_000);
    if (dropSchema) await services.store.dropSchema().catch(() => {});
    await pool.end();
  };
  return {
    url,
    port,
    token,
    currentSigningKey: keys.current,
    nextSigningKey: keys.next,
    schema,
    vars: {
      QSTASH_URL: url,
      QSTASH_TOKEN: token,
      QSTASH_CURRENT_SIGNING_KEY: keys.current,
      QSTASH_NEXT_SIGNING_KEY: keys.next,
    },
    close() {
      closed ??= shutdown(options.dropSchemaOnClose === true);
      return closed;
    },
    stop() {
      closed ??= shutdown(false);
      return closed;
    },
  };
}

/** Stops accepting connections; requests already running get a moment to finish. */
function stopHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 2_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
