import type { Aggregate, AggregateOptions, EventStore } from './event-store.ts';
import { logStart } from './event-store.ts';
import { clone, settle, type MemoryEventStoreState } from './memory-state.ts';
import { afterPosition, readLimit } from './positions.ts';
import { assertName, eventStoreLimits } from './prepare.ts';

/** The event reads of a memory event store: a stream, the global log, a stream's fold. */
export function memoryReads(
  state: MemoryEventStoreState,
): Pick<EventStore, 'readStream' | 'readAll' | 'aggregateStream'> {
  const { log, streams, snapshots } = state;
  return {
    readStream(streamId, { from, direction = 'forwards', limit, signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        assertName('streamId', streamId, eventStoreLimits.streamId);
        const max = readLimit(limit);
        const stream = streams.get(streamId) ?? [];
        const selected =
          direction === 'forwards'
            ? stream.filter((event) => event.streamVersion >= (from ?? 1)).slice(0, max)
            : stream
                .filter((event) => event.streamVersion <= (from ?? Number.MAX_SAFE_INTEGER))
                .reverse()
                .slice(0, max);
        return clone(selected);
      });
    },

    readAll({ after = logStart, limit, types, signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const max = readLimit(limit);
        const selected = log
          .filter((event) => afterPosition(event.position, after))
          .filter((event) => !types || types.includes(event.type))
          .slice(0, max);
        return clone(selected);
      });
    },

    aggregateStream<State, Event extends { type: string; data: unknown }>(
      streamId: string,
      { initialState, evolve, snapshot, signal }: AggregateOptions<State, Event>,
    ): Promise<Aggregate<State>> {
      return settle(() => {
        signal?.throwIfAborted();
        assertName('streamId', streamId, eventStoreLimits.streamId);
        const stored = snapshot ? snapshots.get(`${streamId}\u0000${snapshot}`) : undefined;
        const stream = streams.get(streamId) ?? [];
        let state = stored ? clone(stored.state as State) : initialState();
        for (const event of stream.slice(stored?.version ?? 0)) {
          state = evolve(state, clone(event) as unknown as Event);
        }
        return { state, version: stream.length, snapshotVersion: stored?.version ?? 0 };
      });
    },
  };
}
