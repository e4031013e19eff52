import { userInfo } from 'node:os';
import type { PoolClient } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPlaneSql, startDataPlane, type DataPlane } from '../../../../devstack/data-plane.ts';
import { runRestart } from '../../../../devstack/faults/restart.ts';
import { findLocalCluster } from '../../../../devstack/postgres/local-cluster.ts';
import {
  expectPlaneServes,
  outcome,
  qstashOf,
  sleep,
  startPlaneReceiver,
  uniqueQstashSchema,
  wsPoolOf,
  type TestReceiver,
} from './support.ts';

// Restarting the real Postgres breaks every other suite using it at that moment (other
// worktrees, the rest of this run), so this runs only when asked: EDGEMESH_DISRUPTIVE_TESTS=1.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const asked = process.env.EDGEMESH_DISRUPTIVE_TESTS === '1';
const cluster = asked ? await findLocalCluster(databaseUrl) : undefined;
const permitted = cluster && (process.getuid?.() === 0 || userInfo().username === cluster.owner);
const skipReason = !asked
  ? 'set EDGEMESH_DISRUPTIVE_TESTS=1, it restarts the shared Postgres'
  : !cluster
    ? `pg_lsclusters knows no local cluster serving ${databaseUrl}`
    : !permitted
      ? `pg_ctlcluster needs root or ${cluster.owner}`
      : undefined;

describe.skipIf(skipReason !== undefined)(
  skipReason
    ? `a data plane on real Postgres through a pg_ctlcluster restart (skipped: ${skipReason})`
    : 'a data plane on real Postgres through a pg_ctlcluster restart',
  () => {
    let plane: DataPlane;
    let receiver: TestReceiver;

    beforeAll(async () => {
      receiver = await startPlaneReceiver();
      plane = await startDataPlane({
        databaseUrl,
        redisKind: 'embedded',
        neonPort: 0,
        redisPort: 0,
        redisToken: 'test-token',
        qstashDelayScale: 1000,
        qstashSchema: uniqueQstashSchema(),
        qstashDropSchemaOnStop: true,
      });
    });

    afterAll(async () => {
      await plane?.stop();
      await receiver?.close();
    });

    it('stays up: requests in flight fail with 57P01, then neon(), the WebSocket Pool and QStash serve again', async () => {
      const sql = dataPlaneSql(plane);
      await sql`select 1`;
      const pool = wsPoolOf(plane);
      pool.on('error', () => {});
      const held: PoolClient = await pool.connect();
      const heldErrors: unknown[] = [];
      held.on('error', (error) => heldErrors.push(error));
      const delayed = await qstashOf(plane).publish({
        url: `${receiver.url}/queued-across-postgres-restart`,
        body: 'later',
        delay: 3,
      });
      const overHttp = outcome(sql`select pg_sleep(30)`);
      const overWebSocket = outcome(held.query('select pg_sleep(30)'));
      await sleep(300);

      const report = await runRestart('postgres', plane.restarts.postgres!);

      expect(report.detail).toContain('pg_ctlcluster');
      // The HTTP endpoint answers Neon's error shape (400 with the SQLSTATE), which the driver
      // turns into an error carrying the code; the WebSocket session gets Postgres's own error.
      expect(await overHttp).toMatchObject({ code: '57P01' });
      expect(await overWebSocket).toMatchObject({ code: '57P01' });
      held.release(true);
      await pool.end();
      await expectPlaneServes(plane, receiver, 'after-postgres-restart');
      const [later] = await receiver.waitFor(
        1,
        (request) => request.path === '/queued-across-postgres-restart',
      );
      expect(later!.headers['upstash-message-id']).toBe(delayed.messageId);
    }, 120_000);
  },
);
