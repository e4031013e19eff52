import { describe, expect, it } from 'vitest';
import { fakeEngine } from './fake-engine.ts';

describe('embedded engine: expiry on an injected clock', () => {
  it('hides a key once its PX deadline passes, and not a millisecond before', () => {
    const { run, advance } = fakeEngine();
    run('set', 'k', 'v', 'px', '1000');
    advance(999);
    expect(run('get', 'k')).toBe('v');
    expect(run('pttl', 'k')).toBe(1);
    advance(1);
    expect(run('get', 'k')).toBeNull();
    expect(run('exists', 'k')).toBe(0);
    expect(run('ttl', 'k')).toBe(-2);
  });

  it('rounds TTL to the nearest second like Redis', () => {
    const { run, advance } = fakeEngine();
    run('set', 'k', 'v', 'ex', '10');
    advance(4_400);
    expect(run('ttl', 'k')).toBe(6);
    advance(200);
    expect(run('ttl', 'k')).toBe(5);
  });

  it('keeps the TTL through INCR, APPEND and SET KEEPTTL but drops it on a plain SET', () => {
    const { run } = fakeEngine();
    run('set', 'n', '1', 'ex', '100');
    run('incr', 'n');
    run('append', 'n', '0');
    run('set', 'n', '5', 'keepttl');
    expect(run('ttl', 'n')).toBe(100);
    run('set', 'n', '5');
    expect(run('ttl', 'n')).toBe(-1);
  });

  it('applies EXPIRE options NX, XX, GT and LT against the current TTL', () => {
    const { run } = fakeEngine();
    run('set', 'k', 'v');
    expect(run('expire', 'k', '100', 'xx')).toBe(0);
    expect(run('expire', 'k', '100', 'gt')).toBe(0);
    expect(run('expire', 'k', '100', 'nx')).toBe(1);
    expect(run('expire', 'k', '50', 'gt')).toBe(0);
    expect(run('expire', 'k', '50', 'lt')).toBe(1);
    expect(run('ttl', 'k')).toBe(50);
    expect(run('expire', 'k', '50', 'nx', 'xx')).toEqual({
      error: 'ERR NX and XX, GT or LT options at the same time are not compatible',
    });
  });

  it('deletes the key when EXPIRE is given a time in the past, and PERSIST removes a TTL', () => {
    const { run } = fakeEngine();
    run('set', 'gone', 'v');
    expect(run('expire', 'gone', '-1')).toBe(1);
    expect(run('exists', 'gone')).toBe(0);
    run('set', 'kept', 'v', 'ex', '5');
    expect(run('persist', 'kept')).toBe(1);
    expect(run('persist', 'kept')).toBe(0);
    expect(run('ttl', 'kept')).toBe(-1);
  });

  it('expires at absolute EXAT/PXAT times and refuses non-positive relative ones', () => {
    const start = Date.UTC(2030, 0, 1);
    const { run, advance } = fakeEngine(start);
    run('set', 'k', 'v', 'pxat', String(start + 500));
    advance(500);
    expect(run('get', 'k')).toBeNull();
    expect(run('set', 'k', 'v', 'ex', '0')).toEqual({
      error: "ERR invalid expire time in 'set' command",
    });
  });

  it('leaves expired keys out of KEYS, SCAN and DBSIZE', () => {
    const { run, advance } = fakeEngine();
    run('set', 'short', 'v', 'px', '10');
    run('set', 'long', 'v');
    advance(10);
    expect(run('keys', '*')).toEqual(['long']);
    expect(run('scan', '0')).toEqual(['0', ['long']]);
    expect(run('dbsize')).toBe(1);
  });

  it('reports the injected clock through TIME', () => {
    const { run } = fakeEngine(1_700_000_000_123);
    expect(run('time')).toEqual(['1700000000', '123000']);
  });
});
