import { describe, expect, it } from 'vitest';
import { embeddedRedisBackend } from '../../../../devstack/redis/embedded-backend.ts';
import { createEngine } from '../../../../devstack/redis/engine/engine.ts';
import { sha1hex } from '../../../../devstack/redis/engine/lua/vm.ts';
import { fakeEngine } from './fake-engine.ts';

const NOSCRIPT = { error: 'NOSCRIPT No matching script. Please use EVAL.' };

describe('embedded engine scripting: the script cache', () => {
  it('loads a script under its sha1 and runs it by sha, in either case', () => {
    const { run } = fakeEngine();
    const script = 'return ARGV[1]';
    expect(run('script', 'load', script)).toBe(sha1hex(script));
    expect(run('evalsha', sha1hex(script), '0', 'hi')).toBe('hi');
    expect(run('evalsha', sha1hex(script).toUpperCase(), '0', 'HI')).toBe('HI');
    expect(run('script', 'exists', sha1hex(script), sha1hex('other'))).toEqual([1, 0]);
  });

  it('answers NOSCRIPT for an unknown sha, caches what EVAL ran, and forgets on SCRIPT FLUSH', () => {
    const { run } = fakeEngine();
    const script = "return 'cached'";
    expect(run('evalsha', sha1hex(script), '0')).toEqual(NOSCRIPT);
    expect(run('eval', script, '0')).toBe('cached');
    expect(run('evalsha', sha1hex(script), '0')).toBe('cached');
    expect(run('script', 'flush')).toBe('OK');
    expect(run('evalsha', sha1hex(script), '0')).toEqual(NOSCRIPT);
    expect(run('script', 'exists', sha1hex(script))).toEqual([0]);
  });

  it('refuses a script that does not compile without caching it', () => {
    const { run } = fakeEngine();
    expect(JSON.stringify(run('script', 'load', 'return ('))).toMatch(
      /^\{"error":"ERR Error compiling script/,
    );
    expect(run('script', 'exists', sha1hex('return ('))).toEqual([0]);
  });

  it('answers the other SCRIPT subcommands like Redis', () => {
    const { run } = fakeEngine();
    expect(run('script', 'kill')).toEqual({ error: 'NOTBUSY No scripts in execution right now.' });
    expect(run('script', 'flush', 'bogus')).toEqual({
      error: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option',
    });
    expect(run('script', 'load')).toEqual({
      error: "ERR wrong number of arguments for 'script|load' command",
    });
    expect(run('script', 'bogus')).toEqual({
      error: "ERR unknown subcommand 'bogus'. Try SCRIPT HELP.",
    });
  });
});

describe('embedded engine scripting: shebang flags and read-only scripts', () => {
  it('accepts the flags Redis 7.0 knows and refuses others, Upstash-only ones included', () => {
    const { run } = fakeEngine();
    expect(run('eval', '#!lua flags=no-cluster,allow-stale\nreturn 1', '0')).toBe(1);
    expect(run('eval', '#!lua\nreturn 2', '0')).toBe(2);
    expect(run('eval', '#!lua flags=allow-key-locking\nreturn 1', '0')).toEqual({
      error: 'ERR Unexpected flag in script shebang: allow-key-locking',
    });
    expect(run('eval', '#!python\nreturn 1', '0')).toEqual({
      error: 'ERR Unexpected engine in script shebang: #!python',
    });
    expect(run('eval', '#!lua name=x\nreturn 1', '0')).toEqual({
      error: 'ERR Unknown lua shebang option: name=x',
    });
  });

  it('keeps line numbers of a script with a shebang', () => {
    const { run } = fakeEngine();
    const script = "#!lua\nerror('on line two')";
    expect(run('eval', script, '0')).toEqual({
      error: `ERR user_script:2: on line two script: ${sha1hex(script)}, on @user_script:2.`,
    });
  });

  it('refuses writes from EVAL_RO, EVALSHA_RO and no-writes scripts, and allows reads', () => {
    const { run } = fakeEngine();
    run('set', 'k', 'v');
    const write = "return redis.pcall('set', KEYS[1], 'changed')";
    const refused = { error: 'ERR Write commands are not allowed from read-only scripts.' };
    expect(run('eval_ro', write, '1', 'k')).toEqual(refused);
    expect(run('evalsha_ro', sha1hex(write), '1', 'k')).toEqual(refused);
    expect(run('eval', `#!lua flags=no-writes\n${write}`, '1', 'k')).toEqual(refused);
    expect(run('eval_ro', "return redis.call('get', KEYS[1])", '1', 'k')).toBe('v');
    expect(run('eval', write, '1', 'k')).toBe('OK');
  });
});

describe('embedded engine scripting: atomicity', () => {
  it('loses no concurrent update when scripts read, compute and write back', async () => {
    const backend = embeddedRedisBackend();
    const script = `
      local value = tonumber(redis.call('get', KEYS[1]) or '0')
      for i = 1, 2000 do value = value + 0 end
      redis.call('set', KEYS[1], value + 1)
      return value + 1`;
    const calls = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? backend.execute(['eval', script, '1', 'counter'])
        : backend.execute(['incr', 'counter']),
    );
    const replies = await Promise.all(calls);
    expect(await backend.execute(['get', 'counter'])).toEqual({ kind: 'bulk', value: '100' });
    const seen = replies.map((reply) => (reply.kind === 'integer' ? reply.value : NaN));
    expect(new Set(seen).size).toBe(100);
  });

  it('expires no key while a script runs, as Redis 7 freezes time for the script', () => {
    let now = 0;
    // Every read of the clock moves it on by one second.
    const engine = createEngine({ now: () => (now += 1_000) });
    engine.execute(['set', 'short', 'lived', 'px', '1500']);
    const script = `
      local seen = {}
      for i = 1, 3 do seen[i] = redis.call('get', KEYS[1]) end
      return seen`;
    expect(engine.execute(['eval', script, '1', 'short'])).toEqual({
      kind: 'array',
      value: [1, 2, 3].map(() => ({ kind: 'bulk', value: 'lived' })),
    });
    expect(engine.execute(['get', 'short'])).toEqual({ kind: 'bulk', value: null });
  });

  it('stops a script that runs past the time limit and keeps serving afterwards', () => {
    const engine = createEngine({ scriptTimeLimitMs: 50 });
    const reply = engine.execute(['eval', "redis.call('set', 'before', 1) while true do end", '0']);
    expect(reply.kind === 'error' && reply.message).toMatch(/^ERR Script ran longer than 50 ms/);
    // Like Redis, what the script wrote before it stopped stays written.
    expect(engine.execute(['get', 'before'])).toEqual({ kind: 'bulk', value: '1' });
    expect(engine.execute(['eval', 'return 7', '0'])).toEqual({ kind: 'integer', value: 7 });
  });
});
