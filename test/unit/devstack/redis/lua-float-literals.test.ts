import { describe, expect, it } from 'vitest';
import { floatLiterals } from '../../../../devstack/redis/engine/lua/float-literals.ts';

describe('integer literals rewritten as floats for Lua 5.1 arithmetic', () => {
  it('rewrites decimal and hex integers, and leaves floats alone', () => {
    expect(floatLiterals('return 86400000 * 30 + 0xff')).toBe('return 86400000.0 * 30.0 + 255.0');
    expect(floatLiterals('return 1.5 + 2e3 + .5 + 0x1p4 + 3.')).toBe(
      'return 1.5 + 2e3 + .5 + 0x1p4 + 3.',
    );
    expect(floatLiterals('t[1] = x1 .. y_2')).toBe('t[1.0] = x1 .. y_2');
  });

  it('leaves strings, long strings and comments untouched', () => {
    const source = [
      `local a = "1 2 \\" 3" .. '4'`,
      'local b = [[5]] .. [==[ 6 ]] 7 ]==]',
      '-- 8',
      '--[[ 9',
      '10 ]] return 11',
    ].join('\n');
    expect(floatLiterals(source)).toBe(source.replace('return 11', 'return 11.0'));
  });
});
