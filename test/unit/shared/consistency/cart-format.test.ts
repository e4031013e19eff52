import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyPut,
  applyRemove,
  emptyCart,
  formatCart,
  mergeCarts,
  parseCart,
  vectorOf,
} from '../../../../shared/consistency/index.ts';
import { isEdgeMeshError } from '../../../../shared/errors/index.ts';
import { commands, replay } from './cart-history.ts';

function rejection(input: unknown): string[] {
  try {
    parseCart(input);
  } catch (error) {
    if (isEdgeMeshError(error) && error.code === 'VALIDATION')
      return error.issues.map((i) => i.path);
    throw error;
  }
  throw new Error('accepted');
}

/** Europe wrote two skus; America set one concurrently and removed one it had not received. */
function twoRegionCart() {
  let eu = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu-west').state;
  eu = applyPut(eu, 'SKU-2', 1, undefined, 'eu-west').state;
  let us = applyPut(emptyCart, 'SKU-1', 3, undefined, 'us-east').state;
  us = applyRemove(us, 'SKU-3', vectorOf({ 'eu-west': 9 })).state;
  return mergeCarts(eu, us);
}

describe('cart serialisation', () => {
  it('is small canonical JSON: context, then one line per sku with its versions', () => {
    expect(formatCart(twoRegionCart())).toEqual({
      v: 1,
      context: 'eu-west:2,us-east:1',
      lines: [
        ['SKU-1', 'eu-west:1=2,us-east:1=3'],
        ['SKU-2', 'eu-west:2=1'],
        ['SKU-3', '', 'eu-west:9'],
      ],
    });
    expect(JSON.stringify(formatCart(emptyCart))).toBe('{"v":1,"context":"","lines":[]}');
  });

  it('reads back what it writes, from the JSON value or its text', () => {
    const state = twoRegionCart();
    expect(parseCart(formatCart(state))).toEqual(state);
    expect(parseCart(JSON.stringify(formatCart(state)))).toEqual(state);
  });

  it('reads back every state any history can reach', () => {
    fc.assert(
      fc.property(fc.array(commands(2, 3), { maxLength: 60 }), (history) => {
        for (const state of replay(history, 2, 3).snapshots) {
          expect(parseCart(JSON.parse(JSON.stringify(formatCart(state))))).toEqual(state);
        }
      }),
    );
  });

  it('sorts lines and versions, and drops superseded entries the context already covers', () => {
    const parsed = parseCart({
      v: 1,
      context: 'eu:3,us:1',
      lines: [
        ['b', 'us:1=1,eu:2=4'],
        ['a', '', 'eu:2'],
      ],
    });
    expect(formatCart(parsed)).toEqual({
      v: 1,
      context: 'eu:3,us:1',
      lines: [['b', 'eu:2=4,us:1=1']],
    });
  });

  it.each([
    ['text that is not JSON', '{', []],
    ['another format version', { v: 2, context: '', lines: [] }, ['v']],
    ['a truncated context', { v: 1, context: '~eu:1', lines: [] }, ['context']],
    ['a malformed context', { v: 1, context: 'eu', lines: [] }, ['context']],
    ['lines that are not an array', { v: 1, context: '', lines: {} }, ['lines']],
    ['a line that is not a tuple', { v: 1, context: 'eu:1', lines: [{ sku: 'a' }] }, ['lines.0']],
    ['an empty sku', { v: 1, context: 'eu:1', lines: [['', 'eu:1=1']] }, ['lines.0.0']],
    ['a zero quantity', { v: 1, context: 'eu:1', lines: [['a', 'eu:1=0']] }, ['lines.0.1']],
    [
      'a version beyond the context',
      { v: 1, context: 'eu:1', lines: [['a', 'eu:2=1']] },
      ['lines.0.1'],
    ],
    [
      'an event twice',
      {
        v: 1,
        context: 'eu:1',
        lines: [
          ['a', 'eu:1=1'],
          ['b', 'eu:1=1'],
        ],
      },
      ['lines.1.1'],
    ],
    [
      'a sku twice',
      {
        v: 1,
        context: 'eu:2',
        lines: [
          ['a', 'eu:1=1'],
          ['a', 'eu:2=1'],
        ],
      },
      ['lines'],
    ],
    [
      'a version its own line superseded',
      { v: 1, context: 'eu:1,us:1', lines: [['a', 'us:1=1', 'us:2']] },
      ['lines.0.1'],
    ],
  ])('rejects %s with VALIDATION', (_name, input, paths) => {
    expect(rejection(input)).toEqual(paths);
  });
});
