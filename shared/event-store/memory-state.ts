import type { EventSchemas, LogPosition, OutboxRecord, RecordedEvent } from './event-store.ts';

/** An outbox row as the memory event store keeps it: the record plus its lease and outcome. */
export interface MemoryOutboxRow extends OutboxRecord {
  createdAtMs: number;
  lockedUntil: number;
  publishedAt?: number;
  lastError?: string;
}

/** A read-model document and the version it was written at. */
export interface MemoryDocument {
  version: number;
  doc: unknown;
}

/** Everything one memory event store holds; its parts (append, reads, outbox) share it. */
export interface MemoryEventStoreState {
  readonly schemas: EventSchemas | undefined;
  /** Milliseconds clock. */
  readonly now: () => number;
  readonly newId: () => string;
  /** The global log, in append order. */
  readonly log: RecordedEvent[];
  readonly streams: Map<string, RecordedEvent[]>;
  readonly outbox: Map<string, MemoryOutboxRow>;
  /** Documents by projection, then by id. */
  readonly documents: Map<string, Map<string, MemoryDocument>>;
  /** Snapshots by `streamId NUL name`. */
  readonly snapshots: Map<string, { version: number; state: unknown }>;
  readonly checkpoints: Map<string, LogPosition>;
  /** Idempotency claims by `scope NUL key`. */
  readonly claims: Map<string, { requestHash: string; streamId: string }>;
  /** The last transaction id handed out. */
  transactionId: number;
}

/** An empty memory event store. */
export function createMemoryState(
  schemas: EventSchemas | undefined,
  now: () => number,
  newId: () => string,
): MemoryEventStoreState {
  return {
    schemas,
    now,
    newId,
    log: [],
    streams: new Map(),
    outbox: new Map(),
    documents: new Map(),
    snapshots: new Map(),
    checkpoints: new Map(),
    claims: new Map(),
    transactionId: 0,
  };
}

/** The documents of `projection`, created empty when missing. */
export function docsOf(
  state: MemoryEventStoreState,
  projection: string,
): Map<string, MemoryDocument> {
  let docs = state.documents.get(projection);
  if (!docs) state.documents.set(projection, (docs = new Map<string, MemoryDocument>()));
  return docs;
}

/** Runs `fn` and settles a promise with its result, so a throw becomes a rejection. */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** A deep copy, so callers never share the store's objects; undefined stays undefined. */
export const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));
