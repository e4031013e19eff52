import { join } from 'node:path';
import { createSql } from '../shared/postgres/neon.ts';
import { startNeonEndpoint, startPostgresBackend, type PostgresBackend } from './postgres/index.ts';
import { startRedisBackend, startUpstashEndpoint } from './redis/index.ts';
import { startQstashServer, type QstashServerOptions } from './qstash/index.ts';
import { oneAtATime, onlyKeepingData, type RestartCommand } from './faults/restart.ts';
import { startTcpFaultProxy, type TcpFaultProxy } from './faults/tcp-proxy.ts';
import { freePort } from './listen.ts';
import { startOtlpCollector } from './otlp/collector.ts';
import { stateDir } from './paths.ts';

export interface DataPlaneOptions {
  /** Use this Postgres instead of embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Use this Redis instead of probing 127.0.0.1:6379 / redis-server / the embedded engine. */
  redisUrl?: string | undefined;
  /** Force a Redis kind instead of the automatic choice. */
  redisKind?: 'redis' | 'redis-server' | 'embedded' | undefined;
  /** Port of the Neon-compatible endpoint; 0 = any free port. */
  neonPort: number;
  /** Port of the Upstash-REST-compatible endpoint; 0 = any free port. */
  redisPort: number;
  /** Where PGlite keeps its files. Default `.devstack/pglite`. */
  pgliteDir?: string;
  /** Bearer token of the Redis REST endpoint. */
  redisToken: string;
  /** Port of the QStash-compatible server; 0 = any free port (default). */
  qstashPort?: number;
  /** Divides QStash retry waits (env QSTASH_DELAY_SCALE); default 1 = QStash's timing. */
  qstashDelayScale?: number;
  /** Postgres schema of the QStash server's state. Default `qstash`. */
  qstashSchema?: string;
  /** Drop that schema when the data plane stops (throwaway test runs). Default false. */
  qstashDropSchemaOnStop?: boolean;
  /** Port of the OTLP/HTTP trace collector; 0 or unset = any free port. */
  otlpPort?: number;
  /** File the collector appends spans to (and reloads at start). Default: memory only. */
  otlpFile?: string;
  /**
   * Put a TCP fault proxy in front of Postgres (`postgres`) and Redis (`redis`); what the
   * functions are given goes through them. See docs/devstack-faults.md. Default false.
   */
  faultProxies?: boolean;
  log?: (line: string) => void;
}

/** Postgres and Redis behind the endpoints the official clients talk to. */
export interface DataPlane {
  postgres: {
    kind: string;
    description: string;
    url: string;
    fetchEndpoint: string;
    wsProxy: string;
  };
  redis: { kind: string; description: string; restUrl: string; token: string };
  /** The QStash-compatible server; its state lives in `schema` of the same Postgres. */
  qstash: { url: string; token: string; schema: string; delayScale: number };
  /** The OTLP/HTTP collector: `POST /v1/traces`, `GET /api/traces/:traceId`. */
  otlp: { url: string };
  /** DATABASE_URL, NEON_*, UPSTASH_* for the functions. */
  vars: Record<string, string>;
  /** TCP fault proxies by name (`postgres`, `redis`); empty unless started with faultProxies. */
  faults: Record<string, TcpFaultProxy>;
  /** Restart commands by name: `postgres`, `redis`, `qstash`. */
  restarts: Record<string, RestartCommand>;
  stop(): Promise<void>;
}

/** Starts Postgres (real or PGlite), Redis (real, spawned or embedded) and their endpoints. */
export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const starting = startingState(options);
  try {
    const postgres = await startPostgresSide(starting);
    const redis = await startRedisSide(starting);
    const qstash = await startQstash(starting, postgres.backend);
    const otlp = await startOtlpCollector({
      port: options.otlpPort ?? 0,
      ...(options.otlpFile ? { file: options.otlpFile } : {}),
    });
    starting.stops.push(() => otlp.close());
    return dataPlaneOf(starting, { postgres, redis, qstash, otlp });
  } catch (error) {
    await starting.stop();
    throw error;
  }
}

/** What the start steps share: the options, the log, what to stop, and the fault proxies. */
function startingState(options: DataPlaneOptions) {
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => {});
  };
  const faults: Record<string, TcpFaultProxy> = {};
  const proxy = async (name: string, target: { host: string; port: number }) => {
    const started = await startTcpFaultProxy({ name, target, log });
    stops.push(() => started.close());
    faults[name] = started;
    log(`faults: proxy ${name} on 127.0.0.1:${started.port} → ${target.host}:${target.port}`);
    return started;
  };
  return { options, log, stops, stop, faults, proxy };
}

type Starting = ReturnType<typeof startingState>;

/** Postgres and the Neon endpoint, with the URL the functions are given. */
async function startPostgresSide({ options, log, stops, proxy }: Starting) {
  const backend = await startPostgresBackend({
    databaseUrl: options.databaseUrl,
    dataDir: options.pgliteDir ?? join(stateDir, 'pglite'),
    log,
  });
  stops.push(() => backend.close());
  // Functions (through the Neon endpoint) reach Postgres through the proxy; QStash does not.
  const serverTarget = tcpTarget(backend.url, 5432);
  const databaseUrl =
    options.faultProxies && serverTarget
      ? throughProxy(backend.url, await proxy('postgres', serverTarget))
      : backend.url;
  const neon = await startNeonEndpoint({
    port: options.neonPort,
    // PGlite serves every connection from one session, where prepared names would clash.
    prepareStatements: backend.kind !== 'pglite',
  });
  stops.push(() => neon.close());
  return { backend, databaseUrl, neon };
}

/** Redis and the Upstash REST endpoint, with the REST URL the functions are given. */
async function startRedisSide({ options, log, stops, faults, proxy }: Starting) {
  const backend = await startRedisBackend({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.redisKind ? { force: options.redisKind } : {}),
    ...(options.faultProxies
      ? {
          connectThrough: async (url: string) =>
            throughProxy(url, await proxy('redis', tcpTarget(url, 6379)!)),
        }
      : {}),
    log,
  });
  stops.push(() => backend.close());
  const upstash = await startUpstashEndpoint({
    backend,
    token: options.redisToken,
    port: options.redisPort,
  });
  stops.push(() => upstash.close());
  // The embedded engine has no TCP side; its proxy sits in front of the REST endpoint instead.
  const restUrl =
    options.faultProxies && !faults.redis
      ? throughProxy(upstash.url, await proxy('redis', { host: '127.0.0.1', port: upstash.port }))
      : upstash.url;
  return { backend, upstash, restUrl };
}

/** The local QStash over the same Postgres; `current` changes when it is restarted. */
async function startQstash({ options, log, stops }: Starting, postgres: PostgresBackend) {
  const delayScale = options.qstashDelayScale ?? Number(process.env.QSTASH_DELAY_SCALE ?? 1);
  const serverOptions: QstashServerOptions = {
    databaseUrl: postgres.url,
    // A fixed port below the ephemeral range, so a restart finds it free again.
    port: options.qstashPort || (await freePort()),
    delayScale,
    // PGlite has one session for everyone; leave its commit mode alone.
    synchronousCommit: postgres.kind === 'pglite',
    ...(options.qstashSchema ? { schema: options.qstashSchema } : {}),
    ...(options.qstashDropSchemaOnStop ? { dropSchemaOnClose: true } : {}),
    log,
  };
  const qstash = { current: await startQstashServer(serverOptions), serverOptions, delayScale };
  stops.push(() => qstash.current.close());
  return qstash;
}

type Started = {
  postgres: Awaited<ReturnType<typeof startPostgresSide>>;
  redis: Awaited<ReturnType<typeof startRedisSide>>;
  qstash: Awaited<ReturnType<typeof startQstash>>;
  otlp: { url: string };
};

function dataPlaneOf({ faults, stop }: Starting, started: Started): DataPlane {
  const { postgres, redis, qstash, otlp } = started;
  const { databaseUrl, neon } = postgres;
  const { restUrl, upstash } = redis;
  const server = qstash.current;
  return {
    postgres: {
      kind: postgres.backend.kind,
      description: postgres.backend.description,
      url: databaseUrl,
      fetchEndpoint: neon.fetchEndpoint,
      wsProxy: neon.wsProxy,
    },
    redis: {
      kind: redis.backend.kind,
      description: redis.backend.description,
      restUrl,
      token: upstash.token,
    },
    qstash: {
      url: server.url,
      token: server.token,
      schema: server.schema,
      delayScale: qstash.delayScale,
    },
    otlp: { url: otlp.url },
    vars: {
      DATABASE_URL: databaseUrl,
      NEON_FETCH_ENDPOINT: neon.fetchEndpoint,
      NEON_WS_PROXY: neon.wsProxy,
      UPSTASH_REDIS_REST_URL: restUrl,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      ...server.vars,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      // Local: a secret a function lacks leaves its routes open instead of stopping it.
      EDGEMESH_ENV: 'development',
    },
    faults,
    restarts: restartCommands(started),
    stop,
  };
}

/** `postgres`, `redis` and `qstash` restart commands, one at a time each. */
function restartCommands({ postgres, redis, qstash }: Started): Record<string, RestartCommand> {
  const pg = postgres.backend;
  return {
    postgres: oneAtATime('postgres', {
      description: `${pg.description}: ${pg.kind === 'pglite' ? 'closed and reopened on its data directory' : 'pg_ctlcluster restart'}, data kept`,
      run: async (restartOptions) => {
        onlyKeepingData('postgres', restartOptions);
        return pg.restart();
      },
    }),
    redis: oneAtATime('redis', {
      description: `${redis.backend.description}: ${redis.backend.kind === 'redis' ? 'not started by the devstack, refused' : 'keys kept unless keepData is false'}`,
      run: (restartOptions) => redis.backend.restart(restartOptions),
    }),
    qstash: oneAtATime('qstash', {
      description: `local QStash on port ${qstash.current.port}: stopped and started on the same schema, messages kept`,
      run: async (restartOptions) => {
        onlyKeepingData('qstash', restartOptions);
        await qstash.current.stop();
        qstash.current = await startQstashServer({
          ...qstash.serverOptions,
          port: qstash.current.port,
        });
        return `local QStash restarted on port ${qstash.current.port}, schema ${qstash.current.schema}`;
      },
    }),
  };
}

/** host:port of a postgres:// or redis:// URL, or undefined for a Unix socket. */
function tcpTarget(url: string, defaultPort: number): { host: string; port: number } | undefined {
  const parsed = new URL(url);
  if (!parsed.hostname) return undefined;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || defaultPort),
  };
}

/** The same URL with its host:port replaced by the proxy's. */
function throughProxy(url: string, proxy: TcpFaultProxy): string {
  const parsed = new URL(url);
  parsed.hostname = proxy.host;
  parsed.port = String(proxy.port);
  return parsed.toString().replace(/\/$/, '');
}

/** A `neon()` query function through the data plane's HTTP endpoint. */
export function dataPlaneSql(plane: DataPlane) {
  return createSql({
    DATABASE_URL: plane.vars.DATABASE_URL ?? '',
    NEON_FETCH_ENDPOINT: plane.postgres.fetchEndpoint,
    NEON_WS_PROXY: plane.postgres.wsProxy,
  });
}
