import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as UpstashRedis } from '@upstash/redis';
import type { PoolClient } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataPlaneSql, startDataPlane, type DataPlane } from '../../../../devstack/data-plane.ts';
import { runRestart } from '../../../../devstack/faults/restart.ts';
import { startRedisBackend } from '../../../../devstack/redis/index.ts';
import { pingsWithin } from '../../../../devstack/redis/probe.ts';
import { hasCode } from '../../../../shared/errors/index.ts';
import {
  expectPlaneServes,
  outcome,
  qstashOf,
  startPlaneReceiver,
  uniqueQstashSchema,
  wsPoolOf,
  type TestReceiver,
} from './support.ts';

let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startPlaneReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

describe('restarting PGlite behind the data plane', () => {
  let plane: DataPlane;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edgemesh-faults-pglite-'));
    plane = await startDataPlane({
      pgliteDir: dataDir,
      redisKind: 'embedded',
      neonPort: 0,
      redisPort: 0,
      redisToken: 'test-token',
      qstashDelayScale: 1000,
      faultProxies: true,
    });
  });

  afterAll(async () => {
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ends open sessions with 57P01, keeps committed data and queued messages, and serves every protocol again', async () => {
    const sql = dataPlaneSql(plane);
    await sql`create table kept (note text)`;
    await sql`insert into kept values ('committed')`;
    const delayed = await qstashOf(plane).publish({
      url: `${receiver.url}/queued-across-pglite-restart`,
      body: 'later',
      delay: 2,
    });
    // PGlite has one session: while this transaction is open, every other connection waits.
    const pool = wsPoolOf(plane);
    pool.on('error', () => {});
    const held: PoolClient = await pool.connect();
    // on, not once: a session ended by the server emits 57P01, then "Connection terminated".
    const heldError = new Promise<{ code?: string }>((resolve) =>
      held.on('error', (error) => resolve(error as { code?: string })),
    );
    await held.query('begin');
    await held.query(`insert into kept values ('never committed')`);

    const report = await runRestart('postgres', plane.restarts.postgres!);

    expect(report.detail).toContain('PGlite');
    expect((await heldError).code).toBe('57P01');
    expect((await outcome(held.query('select 1'))).message).not.toBe('resolved');
    held.release(true);
    await pool.end();
    expect(await sql`select note from kept`).toEqual([{ note: 'committed' }]);
    const [later] = await receiver.waitFor(
      1,
      (request) => request.path === '/queued-across-pglite-restart',
    );
    expect(later!.headers['upstash-message-id']).toBe(delayed.messageId);
    await expectPlaneServes(plane, receiver, 'after-pglite-restart');
  });

  it('refuses to restart Postgres empty, naming keepData', async () => {
    const thrown = await plane.restarts.postgres!.run({ keepData: false }).catch((e: unknown) => e);
    expect(hasCode(thrown, 'VALIDATION')).toBe(true);
    expect((thrown as Error).message).toContain('keepData');
  });
});

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedisServer)(
  hasRedisServer
    ? 'restarting a spawned redis-server and the local QStash'
    : 'restarting a spawned redis-server and the local QStash (skipped: redis-server is not on PATH)',
  () => {
    let plane: DataPlane;
    let redis: UpstashRedis;

    beforeAll(async () => {
      plane = await startDataPlane({
        databaseUrl: inject('devstackVars').DATABASE_URL,
        redisKind: 'redis-server',
        neonPort: 0,
        redisPort: 0,
        redisToken: 'test-token',
        qstashDelayScale: 1000,
        qstashSchema: uniqueQstashSchema(),
        qstashDropSchemaOnStop: true,
        faultProxies: true,
      });
      redis = new UpstashRedis({
        url: plane.vars.UPSTASH_REDIS_REST_URL!,
        token: plane.vars.UPSTASH_REDIS_REST_TOKEN!,
        retry: false,
      });
    });

    afterAll(async () => {
      await plane?.stop();
    });

    it('puts the functions’ Postgres and Redis behind fault proxies the plane exposes', async () => {
      const sql = dataPlaneSql(plane);
      await sql`select 1`;
      await redis.ping();
      expect(plane.vars.DATABASE_URL).toContain(`:${plane.faults.postgres!.port}/`);
      plane.faults.postgres!.set({ latencyMs: 100, latencyDirection: 'downstream' });
      plane.faults.redis!.set({ latencyMs: 100, latencyDirection: 'downstream' });
      try {
        const started = performance.now();
        await sql`select 1`;
        await redis.ping();
        expect(performance.now() - started).toBeGreaterThanOrEqual(195);
      } finally {
        plane.faults.postgres!.clear();
        plane.faults.redis!.clear();
      }
      // A reset drops the endpoint's pooled connections; a request racing the reset may fail
      // once, the next one opens a new connection.
      plane.faults.postgres!.set({ reset: 'existing' });
      const first = await outcome(sql`select 2 as two`);
      if (first.message !== 'resolved') expect(first.message).toMatch(/HTTP status 502/);
      expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
      expect(plane.faults.postgres!.state().stats.reset).toBeGreaterThanOrEqual(1);
    });

    it('keeps every key across a redis-server restart, and answers through the same REST URL', async () => {
      await redis.set('kept', 'across-restart');
      const report = await runRestart('redis', plane.restarts.redis!);
      expect(report.detail).toContain('keys kept');
      expect(await redis.get('kept')).toBe('across-restart');
    });

    it('starts empty when restarted with keepData false', async () => {
      await redis.set('dropped', 'soon');
      await plane.restarts.redis!.run({ keepData: false });
      expect(await redis.get('dropped')).toBeNull();
    });

    it('refuses a second restart of the same dependency while the first runs', async () => {
      const [first, second] = await Promise.allSettled([
        plane.restarts.qstash!.run({}),
        plane.restarts.qstash!.run({}),
      ]);
      expect(first.status).toBe('fulfilled');
      expect(second.status === 'rejected' && hasCode(second.reason, 'CONFLICT')).toBe(true);
    });

    it('restarts the local QStash on the same URL, delivering what it had accepted before', async () => {
      const url = plane.qstash.url;
      const delayed = await qstashOf(plane).publish({
        url: `${receiver.url}/queued-across-qstash-restart`,
        body: 'later',
        delay: 2,
      });
      await runRestart('qstash', plane.restarts.qstash!);
      expect(plane.qstash.url).toBe(url);
      const message = await qstashOf(plane).messages.get(delayed.messageId);
      expect(message.messageId).toBe(delayed.messageId);
      const [later] = await receiver.waitFor(
        1,
        (request) => request.path === '/queued-across-qstash-restart',
      );
      expect(later!.headers['upstash-message-id']).toBe(delayed.messageId);
      await expectPlaneServes(plane, receiver, 'after-qstash-restart');
    });
  },
);

const localRedisAnswers = await pingsWithin('127.0.0.1', 6379, 300);

describe.skipIf(!localRedisAnswers)(
  localRedisAnswers
    ? 'a Redis the devstack did not start'
    : 'a Redis the devstack did not start (skipped: nothing answers on 127.0.0.1:6379)',
  () => {
    it('is not restarted: the command is refused as a conflict naming it', async () => {
      const backend = await startRedisBackend({ force: 'redis' });
      try {
        const refused = await backend.restart().catch((error: unknown) => error);
        expect(hasCode(refused, 'CONFLICT')).toBe(true);
        expect((refused as Error).message).toContain('127.0.0.1:6379');
      } finally {
        await backend.close();
      }
    });
  },
);
