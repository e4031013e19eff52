import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../../devstack/redis/engine/engine.ts';
import { fakeEngine } from './fake-engine.ts';

/** EVAL with no keys, on a fresh engine unless one is given; returns the raw Reply. */
function evalReply(script: string, engine = createEngine({ now: () => 0 })) {
  return engine.execute(['eval', script, '0']);
}

const sha1 = (text: string) =>
  import('node:crypto').then(({ createHash }) => createHash('sha1').update(text).digest('hex'));

describe('embedded engine scripting: Lua values become Redis replies as in Redis 7.0', () => {
  it('truncates numbers to integers and turns true into 1, false and nil into nil', () => {
    expect(evalReply('return 3.99')).toEqual({ kind: 'integer', value: 3 });
    expect(evalReply('return -3.99')).toEqual({ kind: 'integer', value: -3 });
    expect(evalReply('return true')).toEqual({ kind: 'integer', value: 1 });
    expect(evalReply('return false')).toEqual({ kind: 'bulk', value: null });
    expect(evalReply('return nil')).toEqual({ kind: 'bulk', value: null });
    expect(evalReply("return 'text'")).toEqual({ kind: 'bulk', value: 'text' });
  });

  it('gives NaN, infinities and out-of-range numbers the value C casts them to on x86', () => {
    const min = { kind: 'integer', value: -(2 ** 63) };
    expect(evalReply('return {0/0, 1/0, -1/0, 2^70}')).toEqual({
      kind: 'array',
      value: [min, min, min, min],
    });
  });

  it('turns tables into arrays up to the first nil, and {ok=…} / {err=…} into status and error', () => {
    expect(evalReply("return {1, 'two', {3}, nil, 5}")).toEqual({
      kind: 'array',
      value: [
        { kind: 'integer', value: 1 },
        { kind: 'bulk', value: 'two' },
        { kind: 'array', value: [{ kind: 'integer', value: 3 }] },
      ],
    });
    expect(evalReply("return {ok='FINE'}")).toEqual({ kind: 'status', value: 'FINE' });
    expect(evalReply("return {err='MY custom error'}")).toEqual({
      kind: 'error',
      message: 'MY custom error',
    });
    expect(evalReply("return {err='wins', ok='loses', 1}")).toEqual({
      kind: 'error',
      message: 'wins',
    });
    expect(evalReply("return {1, {err='inner'}, {ok='fine'}}")).toEqual({
      kind: 'array',
      value: [
        { kind: 'integer', value: 1 },
        { kind: 'error', message: 'inner' },
        { kind: 'status', value: 'fine' },
      ],
    });
  });

  it('builds replies with redis.status_reply and redis.error_reply, adding ERR when no code is given', () => {
    expect(evalReply("return redis.status_reply('QUEUED')")).toEqual({
      kind: 'status',
      value: 'QUEUED',
    });
    expect(evalReply("return redis.error_reply('MY thing')")).toEqual({
      kind: 'error',
      message: 'MY thing',
    });
    expect(evalReply("return redis.error_reply('no-code')")).toEqual({
      kind: 'error',
      message: 'ERR no-code',
    });
  });
});

describe('embedded engine scripting: Redis replies become Lua values as in Redis 7.0', () => {
  it('hands integers, bulk strings, nil, status and arrays to the script with their Lua types', () => {
    const { engine } = fakeEngine();
    engine.execute(['rpush', 'list', 'a', 'b']);
    const script = `
      local types = {}
      for _, value in ipairs({
        redis.call('incr', 'counter'), redis.call('get', 'counter'), redis.call('get', 'missing'),
        redis.call('set', 'k', 'v'), redis.call('lrange', 'list', 0, -1),
      }) do types[#types + 1] = type(value) end
      return {types, redis.call('set', 'k', 'v').ok, redis.call('lrange', 'list', 0, -1)}`;
    expect(evalReply(script, engine)).toEqual({
      kind: 'array',
      value: [
        {
          kind: 'array',
          value: ['number', 'string', 'boolean', 'table', 'table'].map((value) => ({
            kind: 'bulk',
            value,
          })),
        },
        { kind: 'bulk', value: 'OK' },
        {
          kind: 'array',
          value: [
            { kind: 'bulk', value: 'a' },
            { kind: 'bulk', value: 'b' },
          ],
        },
      ],
    });
  });

  it('passes KEYS and ARGV, and numbers as "%.17g" text, to the commands a script calls', () => {
    const { engine, run } = fakeEngine();
    expect(
      engine.execute([
        'eval',
        "redis.call('set', KEYS[1], ARGV[1] .. ARGV[2]); redis.call('set', KEYS[2], 10/3); return #KEYS + #ARGV",
        '2',
        'joined',
        'third',
        'a',
        'b',
      ]),
    ).toEqual({ kind: 'integer', value: 4 });
    expect(run('get', 'joined')).toBe('ab');
    expect(run('get', 'third')).toBe('3.3333333333333335');
  });
  it('passes UTF-8 text through scripts as bytes, short and long', () => {
    const { engine, run } = fakeEngine();
    const long = 'é'.repeat(100);
    const script =
      "redis.call('set', KEYS[1], ARGV[1]); redis.call('set', KEYS[2], ARGV[2]); return {#ARGV[1], #ARGV[2], redis.call('get', KEYS[1])}";
    expect(engine.execute(['eval', script, '2', 'short', 'long', 'héllo', long])).toEqual({
      kind: 'array',
      value: [
        { kind: 'integer', value: 6 },
        { kind: 'integer', value: 200 },
        { kind: 'bulk', value: 'héllo' },
      ],
    });
    expect(run('get', 'long')).toBe(long);
  });
});

describe('embedded engine scripting: numbers behave like Lua 5.1 doubles', () => {
  it('does not wrap integer arithmetic at 32 bits, in literals, tonumber results or replies', () => {
    expect(evalReply('return 86400000 * 30')).toEqual({ kind: 'integer', value: 2592000000 });
    expect(evalReply("return tonumber('86400000') * 30")).toEqual({
      kind: 'integer',
      value: 2592000000,
    });
    expect(evalReply('return math.floor(2^40 / 3) * 7')).toEqual({
      kind: 'integer',
      value: Math.floor(2 ** 40 / 3) * 7,
    });
    const { engine } = fakeEngine();
    engine.execute(['set', 'big', '3000000000']);
    expect(evalReply("return redis.call('incr', 'big') * 2", engine)).toEqual({
      kind: 'integer',
      value: 6000000002,
    });
  });

  it('prints numbers with "%.14g" and integral floats without ".0"', () => {
    expect(
      evalReply("return tostring(10/2) .. ' ' .. 3.5 .. ' ' .. 2^53 .. ' ' .. 1e15 .. ' ' .. 0.1"),
    ).toEqual({ kind: 'bulk', value: '5 3.5 9.007199254741e+15 1e+15 0.1' });
    expect(evalReply("return tostring(0/0) .. ' ' .. tostring(1/0)")).toEqual({
      kind: 'bulk',
      value: '-nan inf',
    });
  });

  it('keeps the Lua 5.1 names Redis scripts use and hides the 5.3 ones', () => {
    expect(evalReply('return {unpack({1, 2})}')).toEqual({
      kind: 'array',
      value: [
        { kind: 'integer', value: 1 },
        { kind: 'integer', value: 2 },
      ],
    });
    expect(evalReply('return {math.pow(2, 10), table.getn({1, 2, 3}), math.mod(7, 3)}')).toEqual({
      kind: 'array',
      value: [1024, 3, 1].map((value) => ({ kind: 'integer', value })),
    });
    expect(evalReply("return loadstring('return 86400000 * 30')()")).toEqual({
      kind: 'integer',
      value: 2592000000,
    });
    const rawlen = evalReply('return type(rawlen)');
    expect(rawlen.kind === 'error' && rawlen.message).toContain(
      "nonexistent global variable 'rawlen'",
    );
    expect(evalReply('return {type(math.type), type(table.unpack)}')).toEqual({
      kind: 'array',
      value: [
        { kind: 'bulk', value: 'nil' },
        { kind: 'bulk', value: 'nil' },
      ],
    });
  });

  it('computes sha1 like redis.sha1hex', async () => {
    expect(evalReply("return redis.sha1hex('abc')")).toEqual({
      kind: 'bulk',
      value: await sha1('abc'),
    });
  });
});
