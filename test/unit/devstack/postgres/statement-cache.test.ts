import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  createStatementCache,
  isStaleStatementError,
} from '../../../../devstack/postgres/statement-cache.ts';

const client = () => ({}) as PoolClient;

describe('createStatementCache', () => {
  it('gives one text the same name on every connection, and other texts other names', () => {
    const cache = createStatementCache();
    const [a, b] = [client(), client()];
    expect(cache.nameFor(a, 'select 1')).toBe(cache.nameFor(b, 'select 1'));
    expect(cache.nameFor(a, 'select 2')).not.toBe(cache.nameFor(a, 'select 1'));
  });

  it('names at most perConnection texts on one connection, and keeps naming those', () => {
    const cache = createStatementCache({ perConnection: 2 });
    const a = client();
    const first = cache.nameFor(a, 'select 1');
    expect(cache.nameFor(a, 'select 2')).toBeDefined();
    expect(cache.nameFor(a, 'select 3')).toBeUndefined();
    expect(cache.nameFor(a, 'select 1')).toBe(first);
    expect(cache.nameFor(client(), 'select 3')).toBeDefined();
  });

  it('names nothing once disabled', () => {
    const cache = createStatementCache();
    cache.disable();
    expect(cache.nameFor(client(), 'select 1')).toBeUndefined();
  });
});

describe('isStaleStatementError', () => {
  it('covers a lost, a duplicate and an outdated prepared statement, and nothing else', () => {
    expect(isStaleStatementError({ code: '26000' })).toBe(true);
    expect(isStaleStatementError({ code: '42P05' })).toBe(true);
    expect(
      isStaleStatementError({ code: '0A000', message: 'cached plan must not change result type' }),
    ).toBe(true);
    expect(isStaleStatementError({ code: '0A000', message: 'something else' })).toBe(false);
    expect(isStaleStatementError({ code: '23505' })).toBe(false);
  });
});
