import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyVector,
  formatVector,
  parseVector,
  pruneVector,
  vectorOf,
} from '../../../../shared/consistency/index.ts';
import { isEdgeMeshError } from '../../../../shared/errors/index.ts';

function rejection(text: unknown, options?: Parameters<typeof parseVector>[1]) {
  try {
    parseVector(text as string, options);
  } catch (error) {
    if (isEdgeMeshError(error)) return { code: error.code, paths: error.issues.map((i) => i.path) };
    throw error;
  }
  throw new Error(`accepted ${String(text)}`);
}

describe('version vector text', () => {
  it('is replica:counter pairs sorted by replica, comma-separated', () => {
    expect(formatVector(vectorOf({ 'us-east': 7, 'eu-west': 12 }))).toBe('eu-west:12,us-east:7');
  });

  it('is empty for the empty vector and starts with ~ when truncated', () => {
    expect(formatVector(emptyVector)).toBe('');
    const pruned = pruneVector(vectorOf({ a: 3, b: 1 }), { maxEntries: 1 });
    expect(formatVector(pruned)).toBe('~a:3');
    expect(parseVector('~a:3')).toEqual(pruned);
  });

  it('reads back every vector it writes', () => {
    const vector = fc
      .tuple(
        fc.dictionary(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,10}$/), fc.nat()),
        fc.boolean(),
      )
      .map(([counters, truncated]) => vectorOf(counters, { truncated }));
    fc.assert(
      fc.property(vector, (v) => {
        expect(parseVector(formatVector(v))).toEqual(v);
      }),
    );
  });

  it('accepts entries in any order and returns the canonical vector', () => {
    expect(parseVector('us:7,eu:12')).toEqual(vectorOf({ eu: 12, us: 7 }));
  });

  it.each([
    ['a bare replica', 'eu'],
    ['a zero counter', 'eu:0'],
    ['a leading zero', 'eu:01'],
    ['a negative counter', 'eu:-1'],
    ['a fractional counter', 'eu:1.5'],
    ['a counter above 2^53 - 1', 'eu:9007199254740992'],
    ['a replica twice', 'eu:1,us:2,eu:2'],
    ['a space in a replica id', 'e u:1'],
    ['a trailing comma', 'eu:1,'],
    ['a lone comma', ','],
    ['a replica id starting with a dash', '-eu:1'],
  ])('rejects %s with VALIDATION naming the field', (_name, text) => {
    expect(rejection(text)).toEqual({ code: 'VALIDATION', paths: ['context'] });
  });

  it('rejects more entries than allowed, and names the field it was given', () => {
    const many = Array.from({ length: 65 }, (_, i) => `r${i}:1`).join(',');
    expect(rejection(many)).toEqual({ code: 'VALIDATION', paths: ['context'] });
    expect(rejection('a:1,b:1,c:1', { maxEntries: 2, path: 'header.x-cart-context' })).toEqual({
      code: 'VALIDATION',
      paths: ['header.x-cart-context'],
    });
    expect(parseVector(many.split(',').slice(0, 64).join(',')).entries).toHaveLength(64);
  });

  it('rejects a value that is not a string', () => {
    expect(rejection(42)).toEqual({ code: 'VALIDATION', paths: ['context'] });
  });
});
