import { describe, expect, it } from 'vitest';
import { DatabaseError } from 'pg';
import { errorText, isPostgresError, toNeonError } from '../../../../devstack/postgres/pg-error.ts';

function uniqueViolation(): DatabaseError {
  const error = new DatabaseError(
    'duplicate key value violates unique constraint "t_pkey"',
    0,
    'error',
  );
  Object.assign(error, {
    severity: 'ERROR',
    code: '23505',
    detail: 'Key (id)=(1) already exists.',
    schema: 'public',
    table: 't',
    constraint: 't_pkey',
    file: 'nbtinsert.c',
    line: '666',
    routine: '_bt_check_unique',
  });
  return error;
}

describe('toNeonError', () => {
  it('copies the set Postgres fields and leaves the unset ones out', () => {
    expect(toNeonError(uniqueViolation())).toEqual({
      message: 'duplicate key value violates unique constraint "t_pkey"',
      severity: 'ERROR',
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
      schema: 'public',
      table: 't',
      constraint: 't_pkey',
      file: 'nbtinsert.c',
      line: '666',
      routine: '_bt_check_unique',
    });
  });
});

describe('isPostgresError', () => {
  it('tells server errors from network errors', () => {
    expect(isPostgresError(uniqueViolation())).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isPostgresError(refused)).toBe(false);
    expect(isPostgresError({ code: '23505', severity: 'ERROR' })).toBe(false);
  });
});

describe('errorText', () => {
  it('explains a dual-stack connect failure whose own message is empty', () => {
    const v4 = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const v6 = Object.assign(new Error(''), { code: 'ECONNREFUSED' });
    expect(errorText(new AggregateError([v4, v6]))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1; ECONNREFUSED',
    );
    expect(errorText('plain')).toBe('plain');
  });
});
