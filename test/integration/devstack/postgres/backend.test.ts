import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../devstack/listen.ts';
import { startPostgresBackend } from '../../../../devstack/postgres/index.ts';
import { hasCode } from '../../../../shared/errors/index.ts';

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe('startPostgresBackend with PGlite', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edgemesh-pglite-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data in dataDir across restarts', async () => {
    const first = await startPostgresBackend({ dataDir });
    expect(first.kind).toBe('pglite');
    expect(first.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await withClient(first.url, async (client) => {
      await client.query('create table kept (note text)');
      await client.query("insert into kept values ('survives')");
    });
    await first.close();

    const second = await startPostgresBackend({ dataDir });
    const rows = await withClient(second.url, (client) => client.query('select note from kept'));
    await second.close();
    expect(rows.rows).toEqual([{ note: 'survives' }]);
  });

  it('accepts several simultaneous connections and logs what it started', async () => {
    const lines: string[] = [];
    const backend = await startPostgresBackend({ dataDir: 'memory://', log: (l) => lines.push(l) });
    const clients = Array.from({ length: 4 }, () => new Client({ connectionString: backend.url }));
    try {
      await Promise.all(clients.map((client) => client.connect()));
      const answers = await Promise.all(
        clients.map((client, i) => client.query('select $1::int as n', [i])),
      );
      expect(answers.map((answer) => answer.rows[0] as unknown)).toEqual([
        { n: 0 },
        { n: 1 },
        { n: 2 },
        { n: 3 },
      ]);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await backend.close();
    }
    expect(lines).toEqual([expect.stringMatching(/^postgres: PGlite in memory, served at/)]);
  });
});

describe('startPostgresBackend with DATABASE_URL', () => {
  it('refuses a DATABASE_URL that does not answer, naming it without the password', async () => {
    const port = await freePort();
    const error = await startPostgresBackend({
      databaseUrl: `postgres://app:s3cret@127.0.0.1:${port}/app`,
      dataDir: 'memory://',
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(hasCode(error, 'CONFIG')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^DATABASE_URL \(postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app\)/);
    expect(message).toContain('does not answer select 1');
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('\n');
  });
});
