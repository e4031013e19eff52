import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  commandHandler,
  memoryEventStore,
  turnstile,
  type EventStore,
} from '../../../../shared/event-store/index.ts';

type Counter = { value: number };
type Added = { type: 'Added'; data: { by: number } };

const schemas = { Added: z.object({ by: z.number().int() }) };
const evolve = (state: Counter, event: Added): Counter => ({ value: state.value + event.data.by });
const add = (by: number) => (): Added[] => (by === 0 ? [] : [{ type: 'Added', data: { by } }]);

function counters(options: { stateDocument?: string; maxRetries?: number; turnMs?: number } = {}) {
  return commandHandler<Counter, Added>({
    streamType: 'counter',
    streamId: (id) => `counter-${id}`,
    initialState: () => ({ value: 0 }),
    evolve,
    sleep: () => Promise.resolve(),
    ...options,
  });
}

/** A store whose next `n` appends lose the race to a writer that adds 100 first. */
function racing(store: EventStore, n: number): EventStore {
  let left = n;
  return {
    ...store,
    async append(streamId, events, options) {
      if (left-- > 0) {
        await store.append(streamId, [{ type: 'Added', data: { by: 100 } }], {
          streamType: 'counter',
        });
      }
      return store.append(streamId, events, options);
    },
  };
}

describe('commandHandler', () => {
  it('reads, decides and appends with the expected version, folding the stream', async () => {
    const store = memoryEventStore({ schemas });
    const handler = counters();
    const first = await handler.handle(store, 'a', add(2));
    const second = await handler.handle(store, 'a', add(3));
    expect(first).toMatchObject({ status: 'appended', state: { value: 2 }, version: 1 });
    expect(second).toMatchObject({ status: 'appended', state: { value: 5 }, version: 2 });
    expect(await handler.read(store, 'a')).toEqual({ state: { value: 5 }, version: 2 });
  });

  it('keeps the state as a document written in the same append when asked', async () => {
    const store = memoryEventStore({ schemas });
    const handler = counters({ stateDocument: 'counters' });
    await handler.handle(store, 'a', add(4));
    expect(await store.readDocument('counters', 'a')).toMatchObject({
      version: 1,
      doc: { value: 4 },
    });
    expect(await handler.read(store, 'a')).toEqual({ state: { value: 4 }, version: 1 });
  });

  it('writes nothing and answers unchanged when the command decides no events', async () => {
    const store = memoryEventStore({ schemas });
    const result = await counters().handle(store, 'a', add(0));
    expect(result).toMatchObject({ status: 'unchanged', version: 0 });
    expect(await store.readStream('counter-a')).toEqual([]);
  });

  it('decides again on the fresh state after a lost race', async () => {
    const store = memoryEventStore({ schemas });
    const seen: number[] = [];
    const result = await counters().handle(racing(store, 2), 'a', (state) => {
      seen.push(state.value);
      return add(1)();
    });
    expect(seen).toEqual([0, 100, 200]);
    expect(result).toMatchObject({ status: 'appended', state: { value: 201 }, version: 3 });
  });

  it('gives up with a CONCURRENCY error after maxRetries lost races', async () => {
    const store = memoryEventStore({ schemas });
    const attempt = counters({ maxRetries: 2 }).handle(racing(store, 10), 'a', add(1));
    await expect(attempt).rejects.toMatchObject({ code: 'CONCURRENCY' });
  });

  it('skips the read for a guessed new stream, and reads when the guess was wrong', async () => {
    const store = memoryEventStore({ schemas });
    const handler = counters();
    await handler.handle(store, 'a', add(5));
    const seen: number[] = [];
    const result = await handler.handle(
      store,
      'a',
      (state) => {
        seen.push(state.value);
        return add(1)();
      },
      { guess: 'new' },
    );
    expect(seen).toEqual([0, 5]);
    expect(result).toMatchObject({ state: { value: 6 }, version: 2 });
  });

  it('commits outbox messages for the change in the same append', async () => {
    const store = memoryEventStore({ schemas });
    const result = await counters().handle(store, 'a', add(7), {
      outbox: ({ before, after, version }) => [
        { destination: 'counters', body: { from: before.value, to: after.value, version } },
      ],
    });
    expect(result.outbox).toEqual([
      expect.objectContaining({ destination: 'counters', body: { from: 0, to: 7, version: 1 } }),
    ]);
  });

  it('answers replayed and mismatch for an idempotency claim taken before, writing nothing', async () => {
    const store = memoryEventStore({ schemas });
    const handler = counters();
    const claim = { scope: 'adds', key: 'k1', requestHash: 'h1' };
    await handler.handle(store, 'a', add(1), { idempotency: claim });
    const replayed = await handler.handle(store, 'a', add(1), { idempotency: claim });
    const mismatch = await handler.handle(store, 'a', add(2), {
      idempotency: { ...claim, requestHash: 'h2' },
    });
    expect(replayed.status).toBe('replayed');
    expect(mismatch.status).toBe('mismatch');
    expect(await store.readStream('counter-a')).toHaveLength(1);
  });

  it('lets commands on one stream in this isolate take turns instead of racing', async () => {
    const decisions = async (turnMs: number) => {
      const store = memoryEventStore({ schemas });
      const handler = counters({ turnMs, maxRetries: 50 });
      let decided = 0;
      const count = () => {
        decided += 1;
        return add(1)();
      };
      await Promise.all(Array.from({ length: 10 }, () => handler.handle(store, 'hot', count)));
      expect(await store.readStream('counter-hot')).toHaveLength(10);
      return decided;
    };
    expect(await decisions(1_000)).toBe(10);
    expect(await decisions(0)).toBeGreaterThan(10);
  });

  it('stops waiting for a holder that never releases after the turn time', async () => {
    const take = turnstile(20);
    await take('stream');
    const started = Date.now();
    const release = await take('stream');
    release();
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
