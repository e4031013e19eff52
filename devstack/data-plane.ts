import { join } from 'node:path';
import { createSql } from '../shared/postgres/neon.ts';
import { startNeonEndpoint, startPostgresBackend } from './postgres/index.ts';
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
  try {
    const postgres = await startPostgresBackend({
      databaseUrl: options.databaseUrl,
      dataDir: options.pgliteDir ?? join(stateDir, 'pglite'),
      log,
    });
    stops.push(() => postgres.close());
    // Functions (through the Neon endpoint) reach Postgres through the proxy; QStash does not.
    const serverTarget = tcpTarget(postgres.url, 5432);
    const databaseUrl =
      options.faultProxies && serverTarget
        ? throughProxy(postgres.url, await proxy('postgres', serverTarget))
        : postgres.url;
    const neon = await startNeonEndpoint({
      port: options.neonPort,
      // PGlite serves every connection from one session, where prepared names would clash.
      prepareStatements: postgres.kind !== 'pglite',
    });
    stops.push(() => neon.close());
    const redis = await startRedisBackend({
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
    stops.push(() => redis.close());
    const upstash = await startUpstashEndpoint({
      backend: redis,
      token: options.redisToken,
      port: options.redisPort,
    });
    stops.push(() => upstash.close());
    // The embedded engine has no TCP side; its proxy sits in front of the REST endpoint instead.
    const restUrl =
      options.faultProxies && !faults.redis
        ? throughProxy(upstash.url, await proxy('redis', { host: '127.0.0.1', port: upstash.port }))
        : upstash.url;
    const qstashDelayScale =
      options.qstashDelayScale ?? Number(process.env.QSTASH_DELAY_SCALE ?? 1);
    const qstashOptions: QstashServerOptions = {
      databaseUrl: postgres.url,
      // A fixed port below the ephemeral range, so a restart finds it free again.
      port: options.qstashPort || (await freePort()),
      delayScale: qstashDelayScale,
      // PGlite has one session for everyone; leave its commit mode alone.
      synchronousCommit: postgres.kind === 'pglite',
      ...(options.qstashSchema ? { schema: options.qstashSchema } : {}),
      ...(options.qstashDropSchemaOnStop ? { dropSchemaOnClose: true } : {}),
      log,
    };
    let qstash = await startQstashServer(qstashOptions);
    stops.push(() => qstash.close());
    const restarts: Record<string, RestartCommand> = {
      postgres: oneAtATime('postgres', {
        description: `${postgres.description}: ${postgres.kind === 'pglite' ? 'closed and reopened on its data directory' : 'pg_ctlcluster restart'}, data kept`,
        run: async (restartOptions) => {
          onlyKeepingData('postgres', restartOptions);
          return postgres.restart();
        },
      }),
      redis: oneAtATime('redis', {
        description: `${redis.description}: ${redis.kind === 'redis' ? 'not started by the devstack, refused' : 'keys kept unless keepData is false'}`,
        run: (restartOptions) => redis.restart(restartOptions),
      }),
      qstash: oneAtATime('qstash', {
        description: `local QStash on port ${qstash.port}: stopped and started on the same schema, messages kept`,
        run: async (restartOptions) => {
          onlyKeepingData('qstash', restartOptions);
          await qstash.stop();
          qstash = await startQstashServer({ ...qstashOptions, port: qstash.port });
          return `local QStash restarted on port ${qstash.port}, schema ${qstash.schema}`;
        },
      }),
    };
    const otlp = await startOtlpCollector({
      port: options.otlpPort ?? 0,
      ...(options.otlpFile ? { file: options.otlpFile } : {}),
    });
    stops.push(() => otlp.close());
    return {
      postgres: {
        kind: postgres.kind,
        description: postgres.description,
        url: databaseUrl,
        fetchEndpoint: neon.fetchEndpoint,
        wsProxy: neon.wsProxy,
      },
      redis: {
        kind: redis.kind,
        description: redis.description,
        restUrl,
        token: upstash.token,
      },
      qstash: {
        url: qstash.url,
        token: qstash.token,
        schema: qstash.schema,
        delayScale: qstashDelayScale,
      },
      otlp: { url: otlp.url },
      vars: {
        DATABASE_URL: databaseUrl,
        NEON_FETCH_ENDPOINT: neon.fetchEndpoint,
        NEON_WS_PROXY: neon.wsProxy,
        UPSTASH_REDIS_REST_URL: restUrl,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        ...qstash.vars,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        // Local: a secret a function lacks leaves its routes open instead of stopping it.
        EDGEMESH_ENV: 'development',
      },
      faults,
      restarts,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
