import { ConcurrencyError, matchesExpected } from './concurrency-error.ts';
import type {
  CallOptions,
  Aggregate,
  AggregateOptions,
  EventSchemas,
  EventStore,
  LogPosition,
  OutboxRecord,
  RecordedEvent,
  StoredDocument,
} from './event-store.ts';
import { logStart } from './event-store.ts';
import { afterPosition, readLimit } from './positions.ts';
import { assertName, eventStoreLimits, prepareAppend } from './prepare.ts';

export interface MemoryEventStoreOptions {
  /** zod schemas of event payloads by type; when given, unknown types are rejected. */
  schemas?: EventSchemas;
  /** Milliseconds clock for event times, outbox ages and leases. Default Date.now. */
  now?: () => number;
  /** Id generator for events and outbox rows. Default crypto.randomUUID. */
  newId?: () => string;
}

interface OutboxRow extends OutboxRecord {
  createdAtMs: number;
  lockedUntil: number;
  publishedAt?: number;
  lastError?: string;
}

/** Runs `fn` and settles a promise with its result, so a throw becomes a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/** EventStore in memory, for unit tests; passes the same contract suite as Postgres. */
export function memoryEventStore({
  schemas,
  now = Date.now,
  newId = () => crypto.randomUUID(),
}: MemoryEventStoreOptions = {}): EventStore & { outboxRows(): readonly OutboxRow[] } {
  const log: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const outbox = new Map<string, OutboxRow>();
  const documents = new Map<string, Map<string, { version: number; doc: unknown }>>();
  const snapshots = new Map<string, { version: number; state: unknown }>();
  const checkpoints = new Map<string, LogPosition>();
  const claims = new Map<string, { requestHash: string; streamId: string }>();
  let transactionId = 0;

  const docsOf = (projection: string) => {
    let docs = documents.get(projection);
    if (!docs)
      documents.set(projection, (docs = new Map<string, { version: number; doc: unknown }>()));
    return docs;
  };
  const samePosition = (a: LogPosition | undefined, b: LogPosition | undefined) =>
    a?.transactionId === b?.transactionId && a?.globalPosition === b?.globalPosition;

  const store: EventStore & { outboxRows(): readonly OutboxRow[] } = {
    append(streamId, events, options) {
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
        transactionId += 1;
        const recorded = prepared.events.map((event, index): RecordedEvent => ({
          id: event.id,
          type: event.type,
          data: clone(event.data),
          schemaVersion: event.schemaVersion,
          streamId,
          streamType: prepared.streamType,
          streamVersion: stream.length + index + 1,
          position: { transactionId, globalPosition: log.length + index + 1 },
          occurredAt: prepared.occurredAt,
          metadata: { ...event.metadata },
        }));
        log.push(...recorded);
        streams.set(streamId, [...stream, ...recorded]);
        const nextVersion = stream.length + recorded.length;
        const createdAtMs = now();
        const rows = prepared.outbox.map((message): OutboxRow => ({
          ...message,
          body: clone(message.body),
          attempts: 0,
          createdAt: new Date(createdAtMs).toISOString(),
          createdAtMs,
          lockedUntil: 0,
        }));
        for (const row of rows) outbox.set(row.id, row);
        for (const write of options.documents ?? []) {
          if (write.doc === null) docsOf(write.projection).delete(write.id);
          else
            docsOf(write.projection).set(write.id, { version: nextVersion, doc: clone(write.doc) });
        }
        if (options.snapshot) {
          snapshots.set(`${streamId}\u0000${options.snapshot.name}`, {
            version: nextVersion,
            state: clone(options.snapshot.state),
          });
        }
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
    },

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

    readDocument<Doc>(projection: string, id: string, { signal }: CallOptions = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const found = documents.get(projection)?.get(id);
        return found
          ? ({ id, version: found.version, doc: clone(found.doc) } as StoredDocument<Doc>)
          : undefined;
      });
    },

    readDocuments<Doc>(projection: string, ids: readonly string[], { signal }: CallOptions = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const docs = documents.get(projection);
        const found: StoredDocument<Doc>[] = [];
        for (const id of new Set(ids)) {
          const doc = docs?.get(id);
          if (doc) found.push({ id, version: doc.version, doc: clone(doc.doc) as Doc });
        }
        return found;
      });
    },

    readCheckpoint(name, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const checkpoint = checkpoints.get(name);
        return checkpoint ? { ...checkpoint } : undefined;
      });
    },

    commitProjection(name, { expected, next, documents: writes, signal }) {
      return settle(() => {
        signal?.throwIfAborted();
        assertName('projection', name, eventStoreLimits.projection);
        if (!samePosition(checkpoints.get(name), expected)) return false;
        checkpoints.set(name, { ...next });
        for (const write of writes) {
          const docs = docsOf(write.projection);
          if (write.doc === null) docs.delete(write.id);
          else
            docs.set(write.id, {
              version: (docs.get(write.id)?.version ?? 0) + 1,
              doc: clone(write.doc),
            });
        }
        return true;
      });
    },

    resetProjection(name, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        checkpoints.delete(name);
        documents.delete(name);
        return undefined;
      });
    },

    claimOutbox({ limit = 100, leaseMs = 30_000, minAgeMs = 10_000, signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const at = now();
        const claimed: OutboxRecord[] = [];
        for (const row of outbox.values()) {
          if (claimed.length >= limit) break;
          if (row.publishedAt !== undefined || row.lockedUntil > at) continue;
          if (row.createdAtMs > at - minAgeMs) continue;
          const leased = { ...row, attempts: row.attempts + 1, lockedUntil: at + leaseMs };
          outbox.set(row.id, leased);
          const { id, destination, body, headers, attempts, createdAt } = leased;
          claimed.push(clone({ id, destination, body, headers, attempts, createdAt }));
        }
        return claimed;
      });
    },

    markOutboxPublished(ids, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        for (const id of ids) {
          const row = outbox.get(id);
          if (row)
            outbox.set(id, { ...row, publishedAt: now(), lockedUntil: 0, lastError: undefined });
        }
        return undefined;
      });
    },

    recordOutboxFailure(id, error, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const row = outbox.get(id);
        if (row) outbox.set(id, { ...row, lastError: error });
        return undefined;
      });
    },

    outboxRows: () => [...outbox.values()].map((row) => ({ ...row })),
  };
  return store;
}
