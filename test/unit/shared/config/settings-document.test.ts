import { describe, expect, it } from 'vitest';
import {
  deepFreeze,
  deepMerge,
  diffDocuments,
  getPath,
  setPath,
} from '../../../../shared/config/settings-document.ts';

describe('settings documents', () => {
  it('lets the service override global leaf by leaf, objects merged and arrays replaced', () => {
    const global = {
      logLevel: 'warn',
      breaker: { windowSize: 50, failureRateThreshold: 40 },
      hosts: ['a', 'b'],
    };
    const service = { breaker: { failureRateThreshold: 20 }, hosts: ['c'] };
    expect(deepMerge(global, service)).toEqual({
      logLevel: 'warn',
      breaker: { windowSize: 50, failureRateThreshold: 20 },
      hosts: ['c'],
    });
    expect(global.breaker.failureRateThreshold).toBe(40);
  });

  it('sets a dotted path in a copy, creating objects on the way, and removes one with undefined', () => {
    const doc = { breaker: { windowSize: 50 } };
    const set = setPath(doc, 'breaker.failureRateThreshold', 30);
    expect(set).toEqual({ breaker: { windowSize: 50, failureRateThreshold: 30 } });
    expect(doc).toEqual({ breaker: { windowSize: 50 } });
    expect(setPath({}, 'a.b.c', true)).toEqual({ a: { b: { c: true } } });
    expect(setPath(set, 'breaker.windowSize', undefined)).toEqual({
      breaker: { failureRateThreshold: 30 },
    });
    expect(setPath({ a: { b: 1 } }, 'a.b', undefined)).toEqual({});
    expect(getPath(set, 'breaker.failureRateThreshold')).toBe(30);
    expect(getPath(set, 'breaker.nothing.deeper')).toBeUndefined();
  });

  it('refuses a malformed path as a validation error', () => {
    for (const path of ['', 'a..b', '.a', 'a b', 'a.b.']) {
      expect(() => setPath({}, path, 1)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    }
  });

  it('lists every changed leaf with its old and new value, sorted by path', () => {
    expect(
      diffDocuments(
        { logLevel: 'info', breaker: { windowSize: 50, failureRateThreshold: 40 }, hosts: ['a'] },
        { logLevel: 'info', breaker: { failureRateThreshold: 20 }, hosts: ['a', 'b'], extra: null },
      ),
    ).toEqual([
      { path: 'breaker.failureRateThreshold', from: 40, to: 20 },
      { path: 'breaker.windowSize', from: 50 },
      { path: 'extra', to: null },
      { path: 'hosts', from: ['a'], to: ['a', 'b'] },
    ]);
    expect(diffDocuments({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('freezes a settings object all the way down', () => {
    const frozen = deepFreeze({ breaker: { windowSize: 50 }, hosts: ['a'] });
    expect(Object.isFrozen(frozen.breaker)).toBe(true);
    expect(Object.isFrozen(frozen.hosts)).toBe(true);
    expect(() => {
      frozen.breaker.windowSize = 1;
    }).toThrow(TypeError);
  });
});
