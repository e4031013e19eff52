import { randomBytes } from 'node:crypto';
import { neon, neonConfig, Pool, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import {
  startNeonEndpoint,
  type NeonEndpoint,
  type PostgresBackend,
} from '../../../../devstack/postgres/index.ts';
import { postgresBackends } from '../../../support/postgres-backends.ts';

// One Neon contract suite, run through the unmodified driver against the endpoint in front of
// a real Postgres server and in front of PGlite served by pglite-socket.

const backends = await postgresBackends('PGlite via pglite-socket');

let endpoint: NeonEndpoint;

beforeAll(async () => {
  endpoint = await startNeonEndpoint();
  // neonConfig is global to the driver; both backends share this endpoint, because the target
  // travels in the connection string.
  neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
  neonConfig.wsProxy = endpoint.wsProxy;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.webSocketConstructor = ws;
});

afterAll(async () => {
  await endpoint?.close();
});

function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { code?: unknown }).code,
  );
}

describe.each(backends.map((backend) => [backend.name, backend] as const))(
  'Neon driver against %s',
  (_name, { skip, start }) => {
    const id = randomBytes(4).toString('hex');
    const accounts = `neon_it_accounts_${id}`;
    const events = `neon_it_events_${id}`;
    let backend: PostgresBackend;
    let sql: NeonQueryFunction<false, false>;
    let pool: Pool;

    beforeAll(async () => {
      if (skip) return;
      backend = await start();
      sql = neon(backend.url);
      pool = new Pool({ connectionString: backend.url, max: 4 });
      await sql.query(
        `create table ${accounts} (id int primary key, owner text not null, balance numeric not null)`,
      );
      await sql.query(`create table ${events} (id serial primary key, body jsonb not null)`);
    });

    afterAll(async () => {
      if (skip) return;
      await sql.query(`drop table if exists ${accounts}, ${events}`);
      await pool.end();
      await backend.close();
    });

    describe.skipIf(skip)('over HTTP with neon()', () => {
      it('binds parameters and parses int2/int4 as numbers, int8 and numeric as strings', async () => {
        const rows = await sql`select ${7}::int2 as small, ${-42}::int4 as regular,
        ${'9007199254740993'}::int8 as big, ${'12345.678901234567890'}::numeric as exact`;
        expect(rows).toEqual([
          { small: 7, regular: -42, big: '9007199254740993', exact: '12345.678901234567890' },
        ]);
      });

      it('returns jsonb as objects, timestamptz as Date and bytea as bytes', async () => {
        const at = new Date('2024-02-29T12:34:56.789Z');
        const [row] = await sql`select ${JSON.stringify({ a: [1, 'two'], b: null })}::jsonb as doc,
        ${at}::timestamptz as at, ${Buffer.from([0, 1, 254, 255])}::bytea as bytes`;
        expect(row?.doc).toEqual({ a: [1, 'two'], b: null });
        expect(row?.at).toBeInstanceOf(Date);
        expect((row?.at as Date).toISOString()).toBe(at.toISOString());
        expect([...(row?.bytes as Uint8Array)]).toEqual([0, 1, 254, 255]);
      });

      it('returns text[] and int[] as arrays, booleans as booleans and NULL as null', async () => {
        const rows = await sql`select ${['a', 'b c', 'd"e', null]}::text[] as words,
        ${[3, 1, 2]}::int[] as numbers, true as yes, ${false}::bool as no, null::text as nothing`;
        expect(rows).toEqual([
          {
            words: ['a', 'b c', 'd"e', null],
            numbers: [3, 1, 2],
            yes: true,
            no: false,
            nothing: null,
          },
        ]);
      });

      it('reports the command and the affected row count with fullResults', async () => {
        const result = await sql.query(
          `insert into ${events} (body) values ($1), ($2)`,
          [{ n: 1 }, { n: 2 }],
          { fullResults: true },
        );
        expect(result.command).toBe('INSERT');
        expect(result.rowCount).toBe(2);
        expect(result.fields).toEqual([]);
      });

      it('commits every statement of a transaction batch', async () => {
        const [inserted, counted] = await sql.transaction([
          sql`insert into ${sql.unsafe(accounts)} values (1, 'ada', 100), (2, 'bob', 50) returning id`,
          sql`select count(*)::int as n from ${sql.unsafe(accounts)}`,
        ]);
        expect(inserted).toEqual([{ id: 1 }, { id: 2 }]);
        expect(counted).toEqual([{ n: 2 }]);
        expect(await sql`select owner from ${sql.unsafe(accounts)} order by id`).toEqual([
          { owner: 'ada' },
          { owner: 'bob' },
        ]);
      });

      it('rolls back the whole batch when one statement fails, writing nothing', async () => {
        const failure = codeOf(
          sql.transaction([
            sql`insert into ${sql.unsafe(accounts)} values (10, 'cy', 1)`,
            sql`insert into ${sql.unsafe(accounts)} values (10, 'dup', 2)`,
          ]),
        );
        expect(await failure).toBe('23505');
        expect(await sql`select id from ${sql.unsafe(accounts)} where id = 10`).toEqual([]);
      });

      it('opens the batch with the requested isolation level and read-only mode', async () => {
        const [levels] = await sql.transaction(
          [sql`select current_setting('transaction_isolation') as level`],
          { isolationLevel: 'Serializable' },
        );
        expect(levels).toEqual([{ level: 'serializable' }]);

        const readOnlyWrite = codeOf(
          sql.transaction([sql`insert into ${sql.unsafe(accounts)} values (20, 'ro', 0)`], {
            readOnly: true,
          }),
        );
        expect(await readOnlyWrite).toBe('25006');
      });

      it('surfaces SQLSTATE and constraint details of SQL errors', async () => {
        expect(await codeOf(sql`select * from ${sql.unsafe(`missing_${id}`)}`)).toBe('42P01');
        await sql`insert into ${sql.unsafe(accounts)} values (30, 'eve', 0)`;
        const duplicate = await sql`insert into ${sql.unsafe(accounts)} values (30, 'eve', 0)`.then(
          () => undefined,
          (error: unknown) => error as Record<string, unknown>,
        );
        expect(duplicate).toMatchObject({ code: '23505', constraint: `${accounts}_pkey` });
      });

      it('rejects several statements in one query, as Neon does', async () => {
        expect(await codeOf(sql.query('select 1; select 2'))).toBe('42601');
      });
    });

    describe.skipIf(skip)('over WebSocket with Pool', () => {
      it('binds parameters and parses column types like the HTTP path', async () => {
        const { rows } = await pool.query(
          'select $1::int8 as big, $2::jsonb as doc, $3::text[] as words, $4::bool as flag',
          ['9007199254740993', { k: 'v' }, ['x', 'y'], true],
        );
        expect(rows).toEqual([
          { big: '9007199254740993', doc: { k: 'v' }, words: ['x', 'y'], flag: true },
        ]);
      });

      it('rolls back an interactive transaction so nothing is written', async () => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          await client.query(`insert into ${accounts} values (40, 'tmp', 1)`);
          const inside = await client.query(`select owner from ${accounts} where id = 40`);
          expect(inside.rows).toEqual([{ owner: 'tmp' }]);
          await client.query('rollback');
        } finally {
          client.release();
        }
        expect(await sql`select id from ${sql.unsafe(accounts)} where id = 40`).toEqual([]);
      });

      it('commits an interactive transaction so its writes are visible over HTTP', async () => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          await client.query(`insert into ${accounts} values (41, 'kept', 5)`);
          await client.query(`update ${accounts} set balance = balance + 1 where id = 41`);
          await client.query('commit');
        } finally {
          client.release();
        }
        expect(await sql`select balance from ${sql.unsafe(accounts)} where id = 41`).toEqual([
          { balance: '6' },
        ]);
      });

      it('surfaces SQLSTATE codes and keeps the connection usable afterwards', async () => {
        const client = await pool.connect();
        try {
          expect(await codeOf(client.query(`select * from missing_${id}`))).toBe('42P01');
          await client.query(`insert into ${accounts} values (42, 'one', 0)`);
          expect(await codeOf(client.query(`insert into ${accounts} values (42, 'two', 0)`))).toBe(
            '23505',
          );
          expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
        } finally {
          client.release();
        }
      });

      it('answers concurrent queries on one Pool each with its own result', async () => {
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            pool.query(`select $1::int * ${(i % 4) + 1} as value, $2::text as tag`, [i, `q${i}`]),
          ),
        );
        expect(results.map((result) => result.rows[0] as unknown)).toEqual(
          Array.from({ length: 24 }, (_, i) => ({ value: i * ((i % 4) + 1), tag: `q${i}` })),
        );
      });

      it('gives queries queued behind an open transaction their own results', async () => {
        const holder = await pool.connect();
        let pending: Promise<unknown[]>;
        try {
          await holder.query('begin');
          await holder.query(`insert into ${accounts} values (50, 'held', 0)`);
          pending = Promise.all(
            Array.from({ length: 12 }, (_, i) => {
              const text = `select $1::int * ${(i % 3) + 2} as value`;
              return i % 2 === 0
                ? sql.query(text, [i])
                : pool.query(text, [i]).then((result) => result.rows as unknown[]);
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          await holder.query('commit');
        } finally {
          holder.release();
        }
        expect(await pending).toEqual(
          Array.from({ length: 12 }, (_, i) => [{ value: i * ((i % 3) + 2) }]),
        );
      });

      it('keeps concurrent HTTP and WebSocket queries, failing ones included, apart', async () => {
        const expected = (i: number) => [{ value: i * ((i % 5) + 1), tag: `m${i}` }];
        const outcomes = await Promise.all(
          Array.from({ length: 3 }, async () => {
            const rounds = Array.from({ length: 40 }, async (_, i) => {
              const text = `select $1::int * ${(i % 5) + 1} as value, $2::text as tag`;
              if (i % 10 === 3) return codeOf(sql.query(`select $1::int from missing_${id}`, [i]));
              const rows =
                i % 2 === 0
                  ? await sql.query(text, [i, `m${i}`])
                  : ((await pool.query(text, [i, `m${i}`])).rows as unknown[]);
              return rows;
            });
            return Promise.all(rounds);
          }),
        );
        const want = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? '42P01' : expected(i)));
        expect(outcomes).toEqual([want, want, want]);
      });
    });
  },
);
