import { ConcurrencyError, matchesExpected } from './concurrency-error.ts';
import type { AppendOptions, EventStore, RecordedEvent } from './event-store.ts';
import {
  clone,
  docsOf,
  settle,
  type MemoryEventStoreState,
  type MemoryOutboxRow,
} from './memory-state.ts';
import { prepareAppend, type PreparedAppend } from './prepare.ts';

/** Adds the prepared events to the log and their stream, as one new transaction. */
function recordEvents(
  state: MemoryEventStoreState,
  prepared: PreparedAppend,
  stream: readonly RecordedEvent[],
): RecordedEvent[] {
  const { streamId } = prepared;
  state.transactionId += 1;
  const transactionId = state.transactionId;
  const recorded = prepared.events.map((event, index): RecordedEvent => ({
    id: event.id,
    type: event.type,
    data: clone(event.data),
    schemaVersion: event.schemaVersion,
    streamId,
    streamType: prepared.streamType,
    streamVersion: stream.length + index + 1,
    position: { transactionId, globalPosition: state.log.length + index + 1 },
    occurredAt: prepared.occurredAt,
    metadata: { ...event.metadata },
  }));
  state.log.push(...recorded);
  state.streams.set(streamId, [...stream, ...recorded]);
  return recorded;
}

/** Writes the prepared outbox messages as unclaimed rows created now. */
function queueOutbox(state: MemoryEventStoreState, prepared: PreparedAppend): MemoryOutboxRow[] {
  const createdAtMs = state.now();
  const rows = prepared.outbox.map((message): MemoryOutboxRow => ({
    ...message,
    body: clone(message.body),
    attempts: 0,
    createdAt: new Date(createdAtMs).toISOString(),
    createdAtMs,
    lockedUntil: 0,
  }));
  for (const row of rows) state.outbox.set(row.id, row);
  return rows;
}

/** Writes the append's inline documents and snapshot at the stream's new version. */
function writeReadModels(
  state: MemoryEventStoreState,
  streamId: string,
  options: AppendOptions,
  nextVersion: number,
): void {
  for (const write of options.documents ?? []) {
    if (write.doc === null) docsOf(state, write.projection).delete(write.id);
    else
      docsOf(state, write.projection).set(write.id, {
        version: nextVersion,
        doc: clone(write.doc),
      });
  }
  if (options.snapshot) {
    state.snapshots.set(`${streamId}\u0000${options.snapshot.name}`, {
      version: nextVersion,
      state: clone(options.snapshot.state),
    });
  }
}

/** The append of a memory event store: claim, version check, events, outbox, read models. */
export function memoryAppend(state: MemoryEventStoreState): EventStore['append'] {
  const { schemas, now, newId, streams, claims } = state;
  return function append(streamId, events, options) {
    return settle(() => {
      options.signal?.throwIfAborted();
      const prepared = prepareAppend(streamId, events, options, { schemas, now, newId });
      const stream = streams.get(streamId) ?? [];
      if (options.idempotency) {
        const claim = claims.get(`${options.idempotency.scope}\u0000${options.idempotency.key}`);
        if (claim) {
          const status =
            claim.requestHash === options.idempotency.requestHash ? 'replayed' : 'mismatch';
          return { status, streamId: claim.streamId };
        }
      }
      if (!matchesExpected(prepared.expectedVersion, stream.length)) {
        throw new ConcurrencyError(streamId, prepared.expectedVersion, stream.length);
      }
      if (options.idempotency) {
        claims.set(`${options.idempotency.scope}\u0000${options.idempotency.key}`, {
          requestHash: options.idempotency.requestHash,
          streamId,
        });
      }
      const recorded = recordEvents(state, prepared, stream);
      const nextVersion = stream.length + recorded.length;
      const rows = queueOutbox(state, prepared);
      for (const id of options.outboxDone ?? []) {
        const row = state.outbox.get(id);
        if (row && row.publishedAt === undefined)
          state.outbox.set(id, { ...row, publishedAt: state.now(), lockedUntil: 0 });
      }
      writeReadModels(state, streamId, options, nextVersion);
      return {
        status: 'appended',
        streamId,
        nextVersion,
        events: clone(recorded),
        outbox: rows.map(({ id, destination, body, headers, attempts, createdAt }) =>
          clone({ id, destination, body, headers, attempts, createdAt }),
        ),
      };
    });
  };
}
