import { afterAll, describe, expect, it } from 'vitest';
import { sha1hex } from '../../../../devstack/redis/engine/lua/vm.ts';
import { deleteKeys, startRestTargets, uniquePrefix, type RestTarget } from './rest-targets.ts';

const targets = await startRestTargets();
const prefix = uniquePrefix('scripting');

afterAll(async () => {
  if (targets.real) await deleteKeys(targets.real.backend, prefix);
  await targets.close();
});

/** Outcome of a promise as data, so that errors compare too. */
const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: (error as Error).message }),
  );

let run = 0;
/** Keys for one scenario; the same names on both targets. */
const keysFor = () => {
  run += 1;
  return (name: string) => `${prefix}:${run}:${name}`;
};

const available = [targets.embedded, ...(targets.real ? [targets.real] : [])];

describe.each(available)('scripts through the REST endpoint on $name', (target: RestTarget) => {
  it('runs createScript().exec(), falling back from EVALSHA to EVAL on NOSCRIPT', async () => {
    const key = keysFor();
    // A script no Redis has seen: its sha1 is unique to this run.
    const body = `-- ${crypto.randomUUID()}\nredis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])`;
    const start = target.commands.length;
    const script = target.redis.createScript<string>(body);
    expect(await script.exec([key('k')], ['from lua'])).toBe('from lua');
    expect(await script.exec([key('k')], ['again'])).toBe('again');
    expect(target.commands.slice(start)).toEqual(['evalsha', 'eval', 'evalsha']);
    expect(await target.redis.scriptExists(sha1hex(body))).toEqual([1]);
  });

  it('runs a script written for Upstash, with allow-key-locking, by EVAL and EVALSHA', async () => {
    const key = keysFor();
    const body = `#!lua flags=allow-key-locking\n-- ${crypto.randomUUID()}\nreturn redis.call('incr', KEYS[1])`;
    expect(await target.redis.eval(body, [key('n')], [])).toBe(1);
    expect(await target.redis.evalsha(sha1hex(body), [key('n')], [])).toBe(2);
    expect(await target.redis.scriptLoad(body)).toBe(sha1hex(body));
  });
});

describe.skipIf(!targets.real)(
  targets.real
    ? 'differential: scripts answer alike on real Redis and the embedded engine'
    : 'differential (skipped: no real Redis available — REDIS_URL, 127.0.0.1:6379 and redis-server all failed)',
  () => {
    const real = targets.real as RestTarget;
    const embedded = targets.embedded;

    async function onBoth(script: string, keys: string[], args: string[]) {
      const fromReal = await settle(real.redis.eval(script, keys, args));
      const fromEmbedded = await settle(embedded.redis.eval(script, keys, args));
      return { fromReal, fromEmbedded };
    }

    const scripts: [string, string][] = [
      ['numbers, booleans and nil', 'return {1.9, -1.9, true, false, 3, nil, 4}'],
      ['status and error tables', "return {{ok='FINE'}, 'after'}"],
      ['a top-level error table', "return {err='MYCODE my message'}"],
      ['Lua 5.1 number text', "return tostring(10/2) .. ' ' .. 2^53 .. ' ' .. 1e15 .. ' ' .. 0.1"],
      ['a 32-bit overflow', "return 86400000 * 30 + tonumber('2147483647') * 4"],
      [
        'arguments in "%.17g"',
        "redis.call('set', KEYS[1], 10/3); return redis.call('get', KEYS[1])",
      ],
      [
        'reply types inside the script',
        "redis.call('del', KEYS[1]); local n = redis.call('incr', KEYS[1]); return {type(n), type(redis.call('get', KEYS[1])), type(redis.call('get', KEYS[2])), redis.call('set', KEYS[1], 'x').ok}",
      ],
      [
        'a raised command error',
        "redis.call('set', KEYS[1], 'text'); return redis.call('incr', KEYS[1])",
      ],
      [
        'a pcall error table',
        "redis.call('set', KEYS[1], 'text'); return redis.pcall('incr', KEYS[1])",
      ],
      ['an unknown command', "return redis.call('nosuchcommand')"],
      ['error() with a string', "error('boom')"],
      ['a global write', 'x = 1'],
      ['a missing global', 'return not_defined'],
      ['a compile error', 'return x y'],
      ['a compile error near a number', 'a.b:c 1'],
      ['a compile error at the end', 'if x then'],
      ['KEYS and ARGV', 'return {#KEYS, #ARGV, KEYS[2], ARGV[1]}'],
      ['a read-only write', "#!lua flags=no-writes\nreturn redis.pcall('set', KEYS[1], 'x')"],
    ];

    for (const [what, script] of scripts) {
      it(`answers alike: ${what}`, async () => {
        const key = keysFor();
        const { fromReal, fromEmbedded } = await onBoth(script, [key('a'), key('b')], ['v', 'w']);
        expect(fromEmbedded).toEqual(fromReal);
      });
    }
  },
);
