import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import ws from 'ws';
import { startNeonEndpoint, startPostgresBackend } from './index.ts';
const backend = await startPostgresBackend({ dataDir: 'memory://' });
const ep = await startNeonEndpoint({ poolSize: 8 });
neonConfig.fetchEndpoint = ep.fetchEndpoint;
neonConfig.wsProxy = ep.wsProxy;
neonConfig.useSecureWebSocket = false;
neonConfig.pipelineConnect = false;
neonConfig.webSocketConstructor = ws;
const sql = neon(backend.url);
const pool = new Pool({ connectionString: backend.url, max: 8 });
await sql`create table t (id int primary key, v text)`;
let bad = 0;
for (let round = 0; round < 5; round++) {
  const jobs = Array.from({ length: 200 }, async (_, i) => {
    const k = (i % 5) + 1;
    const n = round * 1000 + i;
    const rows =
      i % 2
        ? await sql.query(`select $1::int * ${k} as v, $2::text as s`, [n, `s${n}`])
        : (await pool.query(`select $1::int * ${k} as v, $2::text as s`, [n, `s${n}`])).rows;
    if (rows[0]?.v !== n * k || rows[0]?.s !== `s${n}`) {
      bad++;
      if (bad < 5) console.log('mismatch', n, k, rows);
    }
    if (i % 7 === 0)
      await sql.query('insert into t values ($1, $2)', [n, 'x']).catch((e) => {
        bad++;
        console.log('ins', e.message);
      });
    if (i % 11 === 0) await sql.query('select * from nope where x = $1', [1]).catch(() => {});
    if (i % 13 === 0) {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query('insert into t values ($1,$2)', [n + 500, 'y']);
        await c.query('rollback');
      } finally {
        c.release();
      }
    }
  });
  await Promise.all(jobs);
}
console.log('bad', bad, await sql`select count(*)::int n from t`);
await pool.end();
await ep.close();
await backend.close();
