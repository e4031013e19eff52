import { describe, expect, it } from 'vitest';
import {
  applyPut,
  applyRemove,
  cartConflicts,
  emptyCart,
  emptyVector,
  mergeCarts,
  readCart,
  vectorOf,
  type CartState,
} from '../../../../shared/consistency/index.ts';
import { isEdgeMeshError } from '../../../../shared/errors/index.ts';

/** Two regions that start from the same cart. */
function regions(start: CartState = emptyCart) {
  return { eu: start, us: start };
}

function validationPaths(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (isEdgeMeshError(error) && error.code === 'VALIDATION')
      return error.issues.map((i) => i.path);
    throw error;
  }
  throw new Error('accepted');
}

describe('cart', () => {
  it('shows what was put, with a context naming the write', () => {
    const { state, context } = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu');
    expect(readCart(state)).toEqual({
      items: [{ sku: 'SKU-1', quantity: 2 }],
      context: vectorOf({ eu: 1 }),
      caughtUp: true,
    });
    expect(context).toEqual(vectorOf({ eu: 1 }));
  });

  it('a put with the context the client read replaces the quantity it saw', () => {
    const first = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu');
    const second = applyPut(first.state, 'SKU-1', 3, first.context, 'eu');
    expect(readCart(second.state).items).toEqual([{ sku: 'SKU-1', quantity: 3 }]);
    expect(cartConflicts(second.state)).toEqual([]);
  });

  it('lists items sorted by sku and keeps other skus untouched', () => {
    let state = applyPut(emptyCart, 'b', 1, undefined, 'eu').state;
    state = applyPut(state, 'a', 4, undefined, 'eu').state;
    state = applyRemove(state, 'b', undefined).state;
    expect(readCart(state).items).toEqual([{ sku: 'a', quantity: 4 }]);
  });

  describe('concurrent quantities', () => {
    it('resolve to the largest, in both regions, and are reported as a conflict', () => {
      const { eu, us } = regions(applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu').state);
      const inEurope = applyPut(eu, 'SKU-1', 2, undefined, 'eu').state;
      const inAmerica = applyPut(us, 'SKU-1', 5, undefined, 'us').state;
      const merged = mergeCarts(inEurope, inAmerica);
      expect(merged).toEqual(mergeCarts(inAmerica, inEurope));
      expect(readCart(merged).items).toEqual([{ sku: 'SKU-1', quantity: 5 }]);
      expect(cartConflicts(merged)).toEqual([{ sku: 'SKU-1', quantities: [2, 5] }]);
    });

    it('collapse into one when a client that saw both sets the quantity again', () => {
      const inEurope = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu').state;
      const inAmerica = applyPut(emptyCart, 'SKU-1', 5, undefined, 'us').state;
      const merged = mergeCarts(inEurope, inAmerica);
      const { state } = applyPut(merged, 'SKU-1', 3, readCart(merged).context, 'us');
      expect(readCart(state).items).toEqual([{ sku: 'SKU-1', quantity: 3 }]);
      expect(cartConflicts(state)).toEqual([]);
      expect(readCart(mergeCarts(inEurope, state)).items).toEqual([{ sku: 'SKU-1', quantity: 3 }]);
    });
  });

  describe('removes', () => {
    it('a concurrent add wins over a remove', () => {
      const { eu, us } = regions(applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu').state);
      const removedInAmerica = applyRemove(us, 'SKU-1', readCart(us).context).state;
      const addedInEurope = applyPut(eu, 'SKU-1', 3, undefined, 'eu').state;
      expect(readCart(removedInAmerica).items).toEqual([]);
      expect(readCart(mergeCarts(removedInAmerica, addedInEurope)).items).toEqual([
        { sku: 'SKU-1', quantity: 3 },
      ]);
    });

    it('removes only what the remover had seen', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu');
      const seenByClient = eu.context;
      const us = applyPut(mergeCarts(emptyCart, eu.state), 'SKU-1', 4, emptyVector, 'us').state;
      const removed = applyRemove(eu.state, 'SKU-1', seenByClient).state;
      expect(readCart(mergeCarts(removed, us)).items).toEqual([{ sku: 'SKU-1', quantity: 4 }]);
    });

    it('a remove keeps an add the serving region has but the remover had not seen', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu');
      const seenByClient = eu.context;
      const us = applyPut(mergeCarts(emptyCart, eu.state), 'SKU-1', 4, seenByClient, 'us').state;
      const euWithAdd = mergeCarts(eu.state, us);
      const removed = applyRemove(euWithAdd, 'SKU-1', seenByClient).state;
      expect(readCart(removed).items).toEqual([{ sku: 'SKU-1', quantity: 4 }]);
    });

    it('a remove in the region that has not received the item yet holds once the item arrives', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu');
      const seenInEurope = readCart(eu.state).context;
      // The client's next request lands in America before replication.
      const us = applyRemove(emptyCart, 'SKU-1', seenInEurope).state;
      expect(readCart(us, seenInEurope).caughtUp).toBe(false);
      const healed = mergeCarts(us, eu.state);
      expect(readCart(healed).items).toEqual([]);
      expect(healed).toEqual(mergeCarts(eu.state, us));
      expect(healed.lines).toEqual([]);
      expect(readCart(healed, seenInEurope).caughtUp).toBe(true);
    });

    it('a remove in the other region leaves the other skus the client saw', () => {
      let eu = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu').state;
      eu = applyPut(eu, 'SKU-2', 7, undefined, 'eu').state;
      const us = applyRemove(emptyCart, 'SKU-1', readCart(eu).context).state;
      expect(readCart(mergeCarts(us, eu)).items).toEqual([{ sku: 'SKU-2', quantity: 7 }]);
    });

    it('a put in the other region replaces what the client saw, even before it arrives', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 2, undefined, 'eu');
      const us = applyPut(emptyCart, 'SKU-1', 6, eu.context, 'us').state;
      const healed = mergeCarts(us, eu.state);
      expect(readCart(healed).items).toEqual([{ sku: 'SKU-1', quantity: 6 }]);
      expect(cartConflicts(healed)).toEqual([]);
    });
  });

  describe('contexts', () => {
    it('without one, a write acts on what the serving region has seen', () => {
      const first = applyPut(emptyCart, 'SKU-1', 3, undefined, 'eu').state;
      const second = applyPut(first, 'SKU-1', 1, undefined, 'eu').state;
      expect(readCart(second).items).toEqual([{ sku: 'SKU-1', quantity: 1 }]);
    });

    it('an empty context is truly blind: the write becomes a sibling', () => {
      const first = applyPut(emptyCart, 'SKU-1', 3, undefined, 'eu').state;
      const second = applyPut(first, 'SKU-1', 1, emptyVector, 'eu').state;
      expect(cartConflicts(second)).toEqual([{ sku: 'SKU-1', quantities: [1, 3] }]);
      expect(applyRemove(second, 'SKU-1', emptyVector).state).toEqual(second);
    });

    it('a read merges the context the client sent, so its knowledge never goes back', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu');
      const us = applyPut(emptyCart, 'SKU-2', 1, undefined, 'us').state;
      const view = readCart(us, eu.context);
      expect(view.context).toEqual(vectorOf({ eu: 1, us: 1 }));
      expect(view.caughtUp).toBe(false);
      expect(readCart(mergeCarts(us, eu.state), eu.context).caughtUp).toBe(true);
    });

    it('the context a write answers covers the write and everything the client had seen', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu');
      const us = applyPut(emptyCart, 'SKU-2', 2, eu.context, 'us');
      expect(us.context).toEqual(vectorOf({ eu: 1, us: 1 }));
    });

    it('a truncated context counts for its visible entries, and answers come back exact', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu').state;
      const removed = applyRemove(eu, 'SKU-1', vectorOf({ eu: 1 }, { truncated: true }));
      expect(readCart(removed.state).items).toEqual([]);
      expect(removed.context).toEqual(vectorOf({ eu: 1 }));
      expect(readCart(eu, vectorOf({ eu: 1 }, { truncated: true })).caughtUp).toBe(true);
    });

    it('a context claiming more of this region than it wrote cannot hide the next write', () => {
      const eu = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu').state;
      const { state } = applyPut(eu, 'SKU-1', 2, vectorOf({ eu: 5 }), 'eu');
      expect(readCart(state).items).toEqual([{ sku: 'SKU-1', quantity: 2 }]);
      expect(readCart(state).context).toEqual(vectorOf({ eu: 6 }));
    });
  });

  describe('replication', () => {
    it('a duplicate or stale copy changes nothing', () => {
      const older = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu');
      const newer = applyPut(older.state, 'SKU-1', 2, older.context, 'eu').state;
      expect(mergeCarts(newer, newer)).toEqual(newer);
      expect(mergeCarts(newer, older.state)).toEqual(newer);
    });

    it('never changes the states it is given', () => {
      const a = applyPut(emptyCart, 'SKU-1', 1, undefined, 'eu').state;
      const b = applyRemove(
        applyPut(emptyCart, 'SKU-2', 1, undefined, 'us').state,
        'SKU-2',
        undefined,
      ).state;
      const copies = structuredClone([a, b]);
      mergeCarts(a, b);
      applyPut(a, 'SKU-1', 5, undefined, 'eu');
      applyRemove(b, 'SKU-1', vectorOf({ eu: 1 }));
      expect([a, b]).toEqual(copies);
    });
  });

  describe('validation', () => {
    it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('rejects quantity %s', (quantity) => {
      expect(
        validationPaths(() => applyPut(emptyCart, 'SKU-1', quantity, undefined, 'eu')),
      ).toEqual(['quantity']);
    });

    it('rejects an empty or overlong sku and a malformed replica id', () => {
      expect(validationPaths(() => applyPut(emptyCart, '', 1, undefined, 'eu'))).toEqual(['sku']);
      expect(validationPaths(() => applyRemove(emptyCart, 'x'.repeat(257), undefined))).toEqual([
        'sku',
      ]);
      expect(validationPaths(() => applyPut(emptyCart, 'SKU-1', 1, undefined, 'e u'))).toEqual([
        'replica',
      ]);
    });
  });
});
