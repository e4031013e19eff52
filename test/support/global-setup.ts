import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { dataPlaneSql, startDataPlane, type DataPlane } from '../../devstack/data-plane.ts';
import { startEtcd, type DevstackEtcd } from '../../devstack/etcd/index.ts';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import { migrateFunctions } from '../../devstack/migrations.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DATABASE_URL, NEON_*, UPSTASH_* of the data plane started for this test run. */
    devstackVars: Record<string, string>;
    /** 'postgres' or 'pglite'. */
    postgresKind: string;
    /** 'redis', 'redis-server' or 'embedded'. */
    redisKind: string;
    /** etcd's client URL (ETCD_URL, or one spawned from PATH); '' when there is no etcd. */
    etcdUrl: string;
  }
}

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let plane: DataPlane | undefined;
let etcd: DevstackEtcd | null = null;
let scratch: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  // DEVSTACK_POSTGRES=pglite and DEVSTACK_REDIS=embedded|redis-server run the suite on the
  // fallbacks a fresh machine without servers would get.
  const candidate = process.env.DATABASE_URL ?? defaultDatabaseUrl;
  const usePglite = process.env.DEVSTACK_POSTGRES === 'pglite' || !(await answers(candidate));
  const databaseUrl = usePglite ? undefined : candidate;
  const redisKind = process.env.DEVSTACK_REDIS || undefined;
  if (redisKind !== undefined && redisKind !== 'embedded' && redisKind !== 'redis-server') {
    throw new Error(`DEVSTACK_REDIS must be embedded or redis-server, got "${redisKind}"`);
  }
  scratch = await mkdtemp(join(tmpdir(), 'edgemesh-test-'));
  plane = await startDataPlane({
    databaseUrl,
    redisUrl: process.env.REDIS_URL,
    redisKind,
    neonPort: 0,
    redisPort: 0,
    pgliteDir: join(scratch, 'pglite'),
    redisToken: 'test-token',
    // Retry waits ÷1000 so a message that fails three times reaches the DLQ in well under a
    // second; a per-run schema, dropped at the end, keeps runs from seeing each other's messages.
    qstashDelayScale: 1000,
    qstashSchema: `qstash_run_${process.pid}`,
    qstashDropSchemaOnStop: true,
  });
  await migrateFunctions(dataPlaneSql(plane), listFunctions());
  etcd = await startEtcd();
  console.log(
    `test backends: postgres = ${plane.postgres.description}; redis = ${plane.redis.description}; etcd = ${etcd?.description ?? 'none (no etcd on PATH, no ETCD_URL)'}`,
  );
  project.provide('devstackVars', plane.vars);
  project.provide('postgresKind', plane.postgres.kind);
  project.provide('redisKind', plane.redis.kind);
  project.provide('etcdUrl', etcd?.url ?? '');
}

export async function teardown(): Promise<void> {
  await etcd?.stop();
  await plane?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
