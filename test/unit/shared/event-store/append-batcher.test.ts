import { describe, expect, it } from 'vitest';
import { appendBatcher } from '../../../../shared/event-store/append-batcher.ts';

interface Item {
  stream: string;
  value: number;
}

/** After the batcher's next turn (it waits with setImmediate; a zero timeout comes later). */
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A batcher whose `run` records each batch and answers once the test releases it. */
function recordingBatcher(options: Parameters<typeof appendBatcher>[2] = {}) {
  const batches: Item[][] = [];
  const releases: (() => void)[] = [];
  const submit = appendBatcher<Item, number>(
    async (items) => {
      batches.push(items);
      await new Promise<void>((resolve) => releases.push(resolve));
      return items.map((item) =>
        item.value < 0
          ? { status: 'rejected', reason: new Error(`refused ${item.value}`) }
          : { status: 'fulfilled', value: item.value * 10 },
      );
    },
    (item) => [item.stream],
    options,
  );
  const releaseOldest = () => releases.shift()?.();
  const releaseAll = async () => {
    while (releases.length > 0) {
      releaseOldest();
      await turn();
    }
  };
  return { submit, batches, releaseAll, releaseOldest };
}

describe('append batcher (group commit)', () => {
  it('sends at once while a slot is free, and queued items together when it frees', async () => {
    const { submit, batches, releaseAll } = recordingBatcher({ maxInFlight: 1 });
    const results = Promise.all(
      [1, 2, 3, 4].map((value) => submit({ stream: `s${value}`, value })),
    );
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1]]);
    await releaseAll();
    expect(await results).toEqual([10, 20, 30, 40]);
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [2, 3, 4]]);
  });

  it('lets callers a finished batch released append again before the next batch leaves', async () => {
    const { submit, batches, releaseAll } = recordingBatcher({ maxInFlight: 2 });
    const again = submit({ stream: 'a', value: 1 }).then(() =>
      Promise.all([submit({ stream: 'e', value: 5 }), submit({ stream: 'f', value: 6 })]),
    );
    const others = Promise.all([2, 3].map((value) => submit({ stream: `s${value}`, value })));
    await turn();
    // One alone at once (nothing was in flight); the rest a turn later, together.
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [2, 3]]);
    await releaseAll();
    await Promise.all([again, others]);
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [2, 3], [5, 6]]);
  });

  it('shares the queue evenly between statements in flight, so no writer keeps a slot alone', async () => {
    const { submit, batches, releaseOldest } = recordingBatcher({ maxInFlight: 2 });
    let done = false;
    const writers = Promise.all(
      ['a', 'b', 'c', 'd'].map(async (stream) => {
        for (let value = 1; value <= 6; value += 1) await submit({ stream, value });
      }),
    ).then(() => (done = true));
    await turn();
    while (!done) {
      releaseOldest();
      await turn();
    }
    await writers;
    // One alone at once (nothing was in flight), then two per statement: a caller released early
    // waits for its share instead of taking the free slot alone (before: 1, 3, 1, 3, …).
    expect(batches.map((batch) => batch.length)).toEqual([1, ...Array<number>(11).fill(2), 1]);
  });

  it('never puts two items with a common key in one batch, keeping their order', async () => {
    const { submit, batches, releaseAll } = recordingBatcher({ maxInFlight: 1 });
    const items = [
      { stream: 'a', value: 1 },
      { stream: 'a', value: 2 },
      { stream: 'b', value: 3 },
      { stream: 'a', value: 4 },
    ];
    const results = Promise.all(items.map((item) => submit(item)));
    await releaseAll();
    await results;
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [2, 3], [4]]);
  });

  it('caps a batch at maxBatch', async () => {
    const { submit, batches, releaseAll } = recordingBatcher({ maxInFlight: 1, maxBatch: 2 });
    const results = Promise.all(
      [1, 2, 3, 4, 5].map((value) => submit({ stream: `s${value}`, value })),
    );
    await releaseAll();
    await results;
    expect(batches.map((batch) => batch.length)).toEqual([1, 2, 2]);
  });

  it('settles each item on its own, and rejects every item of a batch whose run threw', async () => {
    const { submit, releaseAll } = recordingBatcher({ maxInFlight: 1 });
    const outcomes = Promise.allSettled([
      submit({ stream: 'a', value: 1 }),
      submit({ stream: 'b', value: -2 }),
      submit({ stream: 'c', value: 3 }),
    ]);
    await releaseAll();
    expect((await outcomes).map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);

    const failing = appendBatcher<Item, number>(
      () => Promise.reject(new Error('connection lost')),
      (item) => [item.stream],
    );
    await expect(failing({ stream: 'a', value: 1 })).rejects.toThrow('connection lost');
  });

  it('drops a queued item whose signal aborted before its batch left, with the reason', async () => {
    const { submit, batches, releaseAll } = recordingBatcher({ maxInFlight: 1 });
    const controller = new AbortController();
    const first = submit({ stream: 'a', value: 1 });
    const aborted = submit({ stream: 'b', value: 2 }, controller.signal).catch(
      (error: unknown) => error,
    );
    const kept = submit({ stream: 'c', value: 3 });
    controller.abort(new Error('caller gave up'));
    await releaseAll();
    expect(await aborted).toEqual(new Error('caller gave up'));
    expect([await first, await kept]).toEqual([10, 30]);
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [3]]);
    await expect(submit({ stream: 'd', value: 4 }, controller.signal)).rejects.toThrow(
      'caller gave up',
    );
  });

  it('refuses limits below one', () => {
    expect(() =>
      appendBatcher(
        () => Promise.resolve([]),
        () => [],
        { maxInFlight: 0 },
      ),
    ).toThrow(RangeError);
  });
});
