import { describe, expect, it } from 'vitest';
import { fakeEngine } from './fake-engine.ts';

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const NOT_INTEGER = { error: 'ERR value is not an integer or out of range' };

describe('embedded engine: errors worded like Redis 7', () => {
  it('names unknown commands with their first arguments', () => {
    const { run } = fakeEngine();
    expect(run('foo', 'a', 'b')).toEqual({
      error: "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
    });
    expect(run('Foo')).toEqual({ error: "ERR unknown command 'Foo', with args beginning with: " });
  });

  it('checks arity before anything else, naming the command in lower case', () => {
    const { run } = fakeEngine();
    expect(run('GET')).toEqual({ error: "ERR wrong number of arguments for 'get' command" });
    expect(run('hset', 'h', 'f')).toEqual({
      error: "ERR wrong number of arguments for 'hset' command",
    });
    expect(run('mset', 'a', '1', 'b')).toEqual({
      error: "ERR wrong number of arguments for 'mset' command",
    });
  });

  it('refuses commands on a key of another type with WRONGTYPE', () => {
    const { run } = fakeEngine();
    run('hset', 'h', 'f', 'v');
    run('set', 's', 'v');
    expect(run('get', 'h')).toEqual(WRONGTYPE);
    expect(run('lpush', 's', 'x')).toEqual(WRONGTYPE);
    expect(run('zadd', 'h', '1', 'm')).toEqual(WRONGTYPE);
    expect(run('sadd', 's', 'm')).toEqual(WRONGTYPE);
    expect(run('mget', 'h', 's')).toEqual([null, 'v']);
  });

  it('accepts only canonical int64 text for integer operations', () => {
    const { run } = fakeEngine();
    run('set', 'lead', '0123');
    run('set', 'max', '9223372036854775807');
    expect(run('incr', 'lead')).toEqual(NOT_INTEGER);
    expect(run('incrby', 'new', '1.5')).toEqual(NOT_INTEGER);
    expect(run('incr', 'max')).toEqual({ error: 'ERR increment or decrement would overflow' });
    expect(run('incrby', 'n', '-5')).toBe(-5);
  });

  it('answers SET option conflicts with a syntax error', () => {
    const { run } = fakeEngine();
    expect(run('set', 'k', 'v', 'nx', 'xx')).toEqual({ error: 'ERR syntax error' });
    expect(run('set', 'k', 'v', 'ex', '10', 'px', '100')).toEqual({ error: 'ERR syntax error' });
    expect(run('set', 'k', 'v', 'ex')).toEqual({ error: 'ERR syntax error' });
  });

  it('answers Redis Functions (FUNCTION, FCALL) with a clear error', () => {
    const { run } = fakeEngine();
    const error = 'ERR Redis Functions (FUNCTION, FCALL) are not supported by the embedded engine';
    expect(run('fcall', 'f', '0')).toEqual({ error });
    expect(run('function', 'list')).toEqual({ error });
  });
});

describe('embedded engine: strings', () => {
  it('returns the old value with SET GET and honours NX/XX', () => {
    const { run } = fakeEngine();
    expect(run('set', 'k', 'a', 'xx')).toBeNull();
    expect(run('set', 'k', 'a', 'nx', 'get')).toBeNull();
    expect(run('set', 'k', 'b', 'nx', 'get')).toBe('a');
    expect(run('set', 'k', 'c', 'get')).toBe('a');
    expect(run('getdel', 'k')).toBe('c');
    expect(run('getdel', 'k')).toBeNull();
  });

  it('counts string lengths in UTF-8 bytes', () => {
    const { run } = fakeEngine();
    expect(run('append', 'k', 'hé')).toBe(3);
    expect(run('strlen', 'k')).toBe(3);
  });
});

describe('embedded engine: float formatting', () => {
  it('formats INCRBYFLOAT like Redis long double arithmetic', () => {
    const { run } = fakeEngine();
    run('set', 'f', '10');
    expect(run('incrbyfloat', 'f', '0.5')).toBe('10.5');
    run('set', 'f', '0.1');
    expect(run('incrbyfloat', 'f', '0.2')).toBe('0.3');
    run('set', 'f', '10000000000.1');
    expect(run('incrbyfloat', 'f', '0')).toBe('10000000000.09999999962747097');
    expect(run('incrbyfloat', 'g', '1e3')).toBe('1000');
    expect(run('incrbyfloat', 'g', 'inf')).toEqual({
      error: 'ERR increment would produce NaN or Infinity',
    });
  });

  it('formats scores with %.17g: integers bare, exponents for large values', () => {
    const { run } = fakeEngine();
    run('zadd', 'z', '3', 'a', '1.5', 'b', '0.1', 'c', '1e20', 'd', '-inf', 'e');
    expect(run('zscore', 'z', 'a')).toBe('3');
    expect(run('zscore', 'z', 'b')).toBe('1.5');
    expect(run('zscore', 'z', 'c')).toBe('0.10000000000000001');
    expect(run('zscore', 'z', 'd')).toBe('1e+20');
    expect(run('zscore', 'z', 'e')).toBe('-inf');
    expect(run('zincrby', 'z', '0.000001', 'a')).toBe('3.0000010000000001');
  });
});

describe('embedded engine: hashes, sets and lists', () => {
  it('keeps hash fields in insertion order and deletes an emptied hash', () => {
    const { run } = fakeEngine();
    expect(run('hset', 'h', 'b', '1', 'a', '2')).toBe(2);
    expect(run('hset', 'h', 'b', '3')).toBe(0);
    expect(run('hgetall', 'h')).toEqual(['b', '3', 'a', '2']);
    expect(run('hincrby', 'h', 'a', '5')).toBe(7);
    expect(run('hdel', 'h', 'a', 'b', 'zz')).toBe(2);
    expect(run('exists', 'h')).toBe(0);
    run('hset', 'h', 'text', 'x');
    expect(run('hincrby', 'h', 'text', '1')).toEqual({ error: 'ERR hash value is not an integer' });
  });

  it('adds set members once and reports membership', () => {
    const { run } = fakeEngine();
    expect(run('sadd', 's', 'a', 'b', 'a')).toBe(2);
    expect(run('sismember', 's', 'a')).toBe(1);
    expect(run('srem', 's', 'a', 'b')).toBe(2);
    expect(run('type', 's')).toBe('none');
  });

  it('pops with a count, trims and ranges lists like Redis', () => {
    const { run } = fakeEngine();
    expect(run('rpush', 'l', 'a', 'b', 'c', 'd')).toBe(4);
    expect(run('lpush', 'l', 'y', 'z')).toBe(6);
    expect(run('lrange', 'l', '0', '-1')).toEqual(['z', 'y', 'a', 'b', 'c', 'd']);
    expect(run('rpop', 'l', '2')).toEqual(['d', 'c']);
    expect(run('lpop', 'l', '0')).toEqual([]);
    expect(run('lpop', 'missing', '2')).toBeNull();
    expect(run('lpop', 'l', '-1')).toEqual({
      error: 'ERR value is out of range, must be positive',
    });
    expect(run('ltrim', 'l', '1', '-2')).toBe('OK');
    expect(run('lrange', 'l', '0', '-1')).toEqual(['y', 'a']);
  });
});

describe('embedded engine: sorted sets', () => {
  it('applies ZADD flags like Redis', () => {
    const { run } = fakeEngine();
    expect(run('zadd', 'z', '1', 'a', '2', 'b')).toBe(2);
    expect(run('zadd', 'z', 'nx', '5', 'a', '3', 'c')).toBe(1);
    expect(run('zadd', 'z', 'xx', 'ch', '10', 'a', '4', 'd')).toBe(1);
    expect(run('zadd', 'z', 'gt', 'ch', '1', 'a')).toBe(0);
    expect(run('zadd', 'z', 'lt', 'ch', '1', 'a')).toBe(1);
    expect(run('zadd', 'z', 'incr', '2.5', 'a')).toBe('3.5');
    expect(run('zadd', 'z', 'nx', 'incr', '1', 'a')).toBeNull();
    expect(run('zadd', 'z', 'gt', 'lt', '1', 'a')).toEqual({
      error: 'ERR GT, LT, and/or NX options at the same time are not compatible',
    });
    expect(run('zadd', 'z', 'x', 'a')).toEqual({ error: 'ERR value is not a valid float' });
  });

  it('ranges by rank, score, reverse and limit, ties ordered by member', () => {
    const { run } = fakeEngine();
    run('zadd', 'z', '1', 'b', '1', 'a', '2', 'c', '3', 'd');
    expect(run('zrange', 'z', '0', '-1')).toEqual(['a', 'b', 'c', 'd']);
    expect(run('zrange', 'z', '0', '1', 'rev', 'withscores')).toEqual(['d', '3', 'c', '2']);
    expect(run('zrange', 'z', '(1', '3', 'byscore')).toEqual(['c', 'd']);
    expect(run('zrange', 'z', '+inf', '-inf', 'byscore', 'rev', 'limit', '1', '2')).toEqual([
      'c',
      'b',
    ]);
    expect(run('zrangebyscore', 'z', '-inf', '+inf', 'limit', '-1', '2')).toEqual([]);
    expect(run('zrange', 'z', '0', '1', 'limit', '0', '1')).toEqual({
      error:
        'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    });
    expect(run('zcount', 'z', 'x', '1')).toEqual({ error: 'ERR min or max is not a float' });
    expect(run('zremrangebyscore', 'z', '-inf', '(2')).toBe(2);
    expect(run('zcard', 'z')).toBe(2);
  });
});

describe('embedded engine: SCAN and KEYS', () => {
  it('visits every key exactly once across cursor pages, even when keys are deleted meanwhile', () => {
    const { run } = fakeEngine();
    for (let i = 0; i < 23; i++) run('set', `k:${i}`, 'v');
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const [next, keys] = run('scan', cursor, 'count', '5') as [string, string[]];
      seen.push(...keys);
      if (pages === 0) run('del', 'k:0', 'k:22');
      cursor = next;
      pages += 1;
    } while (cursor !== '0');
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(22);
  });

  it('filters SCAN by MATCH and TYPE and rejects bad cursors and counts', () => {
    const { run } = fakeEngine();
    run('set', 'user:1', 'v');
    run('hset', 'user:2', 'f', 'v');
    run('set', 'order:1', 'v');
    expect(run('scan', '0', 'match', 'user:*', 'type', 'hash', 'count', '100')).toEqual([
      '0',
      ['user:2'],
    ]);
    expect(run('scan', 'x')).toEqual({ error: 'ERR invalid cursor' });
    expect(run('scan', '0', 'count', '0')).toEqual({ error: 'ERR syntax error' });
  });

  it('matches KEYS globs with ?, classes, ranges and escapes', () => {
    const { run } = fakeEngine();
    run('mset', 'k1', '1', 'k2', '2', 'k10', '3', 'kx', '4', 'k*', '5');
    const keys = (pattern: string) => (run('keys', pattern) as string[]).sort();
    expect(keys('k?')).toEqual(['k*', 'k1', 'k2', 'kx']);
    expect(keys('k[12]')).toEqual(['k1', 'k2']);
    expect(keys('k[^1]*')).toEqual(['k*', 'k2', 'kx']);
    expect(keys('k[a-z]')).toEqual(['kx']);
    expect(keys('k\\*')).toEqual(['k*']);
  });
});
