import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { migrate, type Migration } from '../../../../shared/postgres/migrate.ts';
import { createSql } from '../../../../shared/postgres/neon.ts';

const vars = inject('devstackVars');
const sql = createSql({
  DATABASE_URL: vars.DATABASE_URL!,
  NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
});

function migrationsFor(table: string): Migration[] {
  return [
    {
      version: 1,
      name: 'create',
      statements: [`create table if not exists ${table} (id int primary key)`],
    },
    { version: 2, name: 'seed', statements: [`insert into ${table} (id) values (1)`] },
  ];
}

describe('migrate over Neon HTTP', () => {
  it('applies pending migrations once and records them', async () => {
    const scope = `test-${randomUUID()}`;
    const table = `migrate_${randomUUID().replaceAll('-', '')}`;
    try {
      expect(await migrate(sql, migrationsFor(table), { scope })).toEqual([1, 2]);
      expect(await migrate(sql, migrationsFor(table), { scope })).toEqual([]);
      expect(await sql.query(`select id from ${table}`)).toEqual([{ id: 1 }]);
      const recorded = await sql.query(
        'select version, name from schema_migrations where scope = $1 order by version',
        [scope],
      );
      expect(recorded).toEqual([
        { version: 1, name: 'create' },
        { version: 2, name: 'seed' },
      ]);
    } finally {
      await sql.query(`drop table if exists ${table}`);
      await sql.query('delete from schema_migrations where scope = $1', [scope]);
    }
  });

  it('applies each migration exactly once when runners race', async () => {
    const scope = `test-${randomUUID()}`;
    const table = `migrate_${randomUUID().replaceAll('-', '')}`;
    try {
      const results = await Promise.all(
        [1, 2, 3].map(() => migrate(sql, migrationsFor(table), { scope })),
      );
      expect(results.flat().sort()).toEqual([1, 2]);
      expect(await sql.query(`select id from ${table}`)).toEqual([{ id: 1 }]);
    } finally {
      await sql.query(`drop table if exists ${table}`);
      await sql.query('delete from schema_migrations where scope = $1', [scope]);
    }
  });

  it('leaves nothing behind when a migration fails', async () => {
    const scope = `test-${randomUUID()}`;
    const table = `migrate_${randomUUID().replaceAll('-', '')}`;
    const broken: Migration[] = [
      {
        version: 1,
        name: 'half',
        statements: [`create table ${table} (id int)`, 'select * from no_such_table'],
      },
    ];
    await expect(migrate(sql, broken, { scope })).rejects.toMatchObject({ code: '42P01' });
    const exists = await sql.query('select to_regclass($1) as t', [table]);
    expect(exists).toEqual([{ t: null }]);
    expect(await sql.query('select 1 from schema_migrations where scope = $1', [scope])).toEqual(
      [],
    );
  });
});
