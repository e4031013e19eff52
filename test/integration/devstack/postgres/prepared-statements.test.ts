import { randomBytes } from 'node:crypto';
import { neon, neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startNeonEndpoint,
  type NeonEndpoint,
  type PostgresBackend,
} from '../../../../devstack/postgres/index.ts';
import { postgresBackends } from '../../../support/postgres-backends.ts';

// The /sql endpoint prepares each statement once per pooled connection. One connection per
// target on `endpoint`, so every request meets the statements the earlier ones prepared; four on
// `wide`, where PGlite's one shared session sees the same name prepared twice.

const backends = await postgresBackends();

let endpoint: NeonEndpoint;
let wide: NeonEndpoint;

beforeAll(async () => {
  endpoint = await startNeonEndpoint({ poolSize: 1 });
  wide = await startNeonEndpoint({ poolSize: 4 });
  neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
});

afterAll(async () => {
  await endpoint?.close();
  await wide?.close();
});

describe.each(backends.map((backend) => [backend.name, backend] as const))(
  'prepared /sql statements on %s',
  (_name, { skip, start }) => {
    const table = `neon_prep_${randomBytes(4).toString('hex')}`;
    let backend: PostgresBackend;
    let sql: ReturnType<typeof neon>;

    beforeAll(async () => {
      if (skip) return;
      backend = await start();
      sql = neon(backend.url);
      await sql.query(`create table ${table} (id int primary key)`);
      await sql.query(`insert into ${table} values (1), (2)`);
    });

    afterAll(async () => {
      if (skip) return;
      await sql.query(`drop table if exists ${table}`);
      await backend.close();
    });

    it.skipIf(skip)('answers a repeated statement with each call’s own parameters', async () => {
      for (const id of [1, 2, 1, 2, 1, 2, 1, 2]) {
        expect(await sql.query(`select id from ${table} where id = $1`, [id])).toEqual([{ id }]);
      }
    });

    it.skipIf(skip)('answers select * with a column added since it was prepared', async () => {
      for (let i = 0; i < 6; i += 1) await sql.query(`select * from ${table} order by id`);
      await sql.query(`alter table ${table} add column note text default 'n'`);
      expect(await sql.query(`select * from ${table} order by id`)).toEqual([
        { id: 1, note: 'n' },
        { id: 2, note: 'n' },
      ]);
    });

    it.skipIf(skip)('serves statements again after the session deallocated them', async () => {
      const count = `select count(*)::int as n from ${table}`;
      expect(await sql.query(count)).toEqual([{ n: 2 }]);
      await sql.query('deallocate all');
      expect(await sql.query(count)).toEqual([{ n: 2 }]);
      const [rows] = await sql.transaction((tx) => [tx.query(count), tx.query('select 1 as one')]);
      expect(rows).toEqual([{ n: 2 }]);
    });

    it.skipIf(skip)('rolls back and reruns a whole batch whose statement went stale', async () => {
      const insert = `insert into ${table} (id) values ($1)`;
      await sql.query(insert, [10]);
      await sql.query('deallocate all');
      await sql.transaction((tx) => [
        tx.query(`delete from ${table} where id = 10`),
        tx.query(insert, [11]),
      ]);
      expect(await sql.query(`select id from ${table} where id >= 10 order by id`)).toEqual([
        { id: 11 },
      ]);
    });

    it.skipIf(skip)('answers one statement run on several connections at once', async () => {
      neonConfig.fetchEndpoint = wide.fetchEndpoint;
      try {
        const ids = [1, 2, 1, 2, 1, 2, 1, 2];
        for (let round = 0; round < 3; round += 1) {
          const rows = await Promise.all(
            ids.map((id) =>
              sql.query(`select id, $1::int as round from ${table} where id = $2`, [round, id]),
            ),
          );
          expect(rows).toEqual(ids.map((id) => [{ id, round }]));
        }
      } finally {
        neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
      }
    });
  },
);
