import { join } from 'node:path';
import { createSql } from '../shared/postgres/neon.ts';
import { startNeonEndpoint, startPostgresBackend } from './postgres/index.ts';
import { startRedisBackend, startUpstashEndpoint } from './redis/index.ts';
import { startQstashServer } from './qstash/index.ts';
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
  stop(): Promise<void>;
}

/** Starts Postgres (real or PGlite), Redis (real, spawned or embedded) and their endpoints. */
export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => {});
  };
  try {
    const postgres = await startPostgresBackend({
      databaseUrl: options.databaseUrl,
      dataDir: options.pgliteDir ?? join(stateDir, 'pglite'),
      log,
    });
    stops.push(() => postgres.close());
    const neon = await startNeonEndpoint({
      port: options.neonPort,
      // PGlite serves every connection from one session, where prepared names would clash.
      prepareStatements: postgres.kind !== 'pglite',
    });
    stops.push(() => neon.close());
    const redis = await startRedisBackend({
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      ...(options.redisKind ? { force: options.redisKind } : {}),
      log,
    });
    stops.push(() => redis.close());
    const upstash = await startUpstashEndpoint({
      backend: redis,
      token: options.redisToken,
      port: options.redisPort,
    });
    stops.push(() => upstash.close());
    const qstashDelayScale =
      options.qstashDelayScale ?? Number(process.env.QSTASH_DELAY_SCALE ?? 1);
    const qstash = await startQstashServer({
      databaseUrl: postgres.url,
      port: options.qstashPort ?? 0,
      delayScale: qstashDelayScale,
      // PGlite has one session for everyone; leave its commit mode alone.
      synchronousCommit: postgres.kind === 'pglite',
      ...(options.qstashSchema ? { schema: options.qstashSchema } : {}),
      ...(options.qstashDropSchemaOnStop ? { dropSchemaOnClose: true } : {}),
      log,
    });
    stops.push(() => qstash.close());
    const otlp = await startOtlpCollector({
      port: options.otlpPort ?? 0,
      ...(options.otlpFile ? { file: options.otlpFile } : {}),
    });
    stops.push(() => otlp.close());
    return {
      postgres: {
        kind: postgres.kind,
        description: postgres.description,
        url: postgres.url,
        fetchEndpoint: neon.fetchEndpoint,
        wsProxy: neon.wsProxy,
      },
      redis: {
        kind: redis.kind,
        description: redis.description,
        restUrl: upstash.url,
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
        DATABASE_URL: postgres.url,
        NEON_FETCH_ENDPOINT: neon.fetchEndpoint,
        NEON_WS_PROXY: neon.wsProxy,
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        ...qstash.vars,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A `neon()` query function through the data plane's HTTP endpoint. */
export function dataPlaneSql(plane: DataPlane) {
  return createSql({
    DATABASE_URL: plane.vars.DATABASE_URL ?? '',
    NEON_FETCH_ENDPOINT: plane.postgres.fetchEndpoint,
    NEON_WS_PROXY: plane.postgres.wsProxy,
  });
}
