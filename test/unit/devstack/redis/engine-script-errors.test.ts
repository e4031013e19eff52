import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../../devstack/redis/engine/engine.ts';
import { sha1hex } from '../../../../devstack/redis/engine/lua/vm.ts';

function evalError(script: string, ...keysThenArgs: string[]) {
  const engine = createEngine({ now: () => 0 });
  engine.execute(['set', 'text', 'not a number']);
  const reply = engine.execute(['eval', script, String(keysThenArgs.length), ...keysThenArgs]);
  return reply.kind === 'error' ? reply.message : `no error: ${JSON.stringify(reply)}`;
}

/** Redis' suffix on errors raised out of a script: its sha1 and the line. */
const at = (script: string, line = 1) => ` script: ${sha1hex(script)}, on @user_script:${line}.`;

describe('embedded engine scripting: errors worded like Redis 7.0', () => {
  it('raises a failing redis.call out of the script with the command error, sha and line', () => {
    const script = "local ok = 1\nreturn redis.call('incr', 'text')";
    expect(evalError(script)).toBe(`ERR value is not an integer or out of range${at(script, 2)}`);
  });

  it('hands a failing redis.pcall back to the script as an {err=…} table', () => {
    expect(evalError("return redis.pcall('incr', 'text')")).toBe(
      'ERR value is not an integer or out of range',
    );
    const script = "local r = redis.pcall('incr', 'text'); return type(r) .. ':' .. r.err";
    const engine = createEngine();
    engine.execute(['set', 'text', 'x']);
    expect(engine.execute(['eval', script, '0'])).toEqual({
      kind: 'bulk',
      value: 'table:ERR value is not an integer or out of range',
    });
  });

  it('names unknown commands, wrong arity, bad argument types and forbidden commands', () => {
    const cases: [string, string][] = [
      ["return redis.call('nosuch')", 'ERR Unknown Redis command called from script'],
      ["return redis.call('get')", 'ERR Wrong number of args calling Redis command from script'],
      ['return redis.call()', 'ERR Please specify at least one argument for this redis lib call'],
      [
        "return redis.call('get', true)",
        'ERR Lua redis lib command arguments must be strings or integers',
      ],
      [
        "return redis.call('eval', 'return 1', 0)",
        'ERR This Redis command is not allowed from script',
      ],
    ];
    for (const [script, message] of cases)
      expect(evalError(script)).toBe(`${message}${at(script)}`);
    expect(evalError("return redis.pcall('nosuch')")).toBe(
      'ERR Unknown Redis command called from script',
    );
  });

  it('reports error() with a string, error() with a table, and runtime errors like Redis', () => {
    expect(evalError("error('boom')")).toBe(`ERR user_script:1: boom${at("error('boom')")}`);
    const table = "error({err='MY custom'})";
    expect(evalError(table)).toBe(`MY custom${at(table)}`);
    expect(evalError('return nil + 1')).toBe(
      `ERR user_script:1: attempt to perform arithmetic on a nil value${at('return nil + 1')}`,
    );
  });

  it('keeps globals and libraries read-only and refuses undeclared globals', () => {
    expect(evalError('x = 1')).toBe(
      `ERR user_script:1: Attempt to modify a readonly table${at('x = 1')}`,
    );
    expect(evalError('math.floor = nil')).toBe(
      `ERR user_script:1: Attempt to modify a readonly table${at('math.floor = nil')}`,
    );
    expect(evalError('return undefined_name')).toBe(
      `ERR user_script:1: Script attempted to access nonexistent global variable 'undefined_name'${at('return undefined_name')}`,
    );
    expect(evalError('return os.time()')).toContain("nonexistent global variable 'os'");
  });

  it('answers a script that does not compile with the compiler message', () => {
    expect(evalError('return x y')).toBe(
      "ERR Error compiling script (new function): user_script:1: '<eof>' expected near 'y'",
    );
  });

  it('checks numkeys like Redis', () => {
    const engine = createEngine();
    const message = (...args: string[]) => engine.execute(['eval', 'return 1', ...args]);
    expect(message('-1')).toEqual({
      kind: 'error',
      message: "ERR Number of keys can't be negative",
    });
    expect(message('2', 'a')).toEqual({
      kind: 'error',
      message: "ERR Number of keys can't be greater than number of args",
    });
    expect(message('x')).toEqual({
      kind: 'error',
      message: 'ERR value is not an integer or out of range',
    });
  });
});
