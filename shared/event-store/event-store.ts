import type * as z from 'zod';

/**
 * What the writer believes the stream's version is: `'any'` (no check), `'no_stream'` (must not
 * exist), `'stream_exists'` (must have at least one event) or the exact current version (0 = empty).
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** Who caused an event and which request produced it. */
export interface EventMetadata {
  /** Id of the command or message that caused this event. */
  readonly causationId?: string;
  /** Id shared by everything one business flow produced (e.g. the order id). */
  readonly correlationId?: string;
  /** W3C `traceparent` of the request that produced the event. */
  readonly traceparent?: string;
}

/** An event to append; the store assigns id (UUID) and schema version 1 when absent. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly id?: string;
  /** Version of the payload's schema. Default 1. */
  readonly schemaVersion?: number;
  /** Per-event metadata, merged over the append's metadata. */
  readonly metadata?: EventMetadata;
}

/**
 * Where an event sits in the global log: events are ordered by the id of the transaction that
 * wrote them, then by position, and read only below the oldest transaction still running.
 */
export interface LogPosition {
  readonly transactionId: number;
  readonly globalPosition: number;
}

/** The position before the first event. */
export const logStart: LogPosition = Object.freeze({ transactionId: 0, globalPosition: 0 });

/** An event as stored. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  readonly schemaVersion: number;
  readonly streamId: string;
  readonly streamType: string;
  /** 1 for a stream's first event. */
  readonly streamVersion: number;
  readonly position: LogPosition;
  /** ISO 8601 time the command was handled (from the command, not the database clock). */
  readonly occurredAt: string;
  readonly metadata: EventMetadata;
}

/** A message to relay after commit; `destination` is a URL or a QStash URL group. */
export interface OutboxMessage {
  readonly destination: string;
  readonly body: unknown;
  /** Headers forwarded with the message, e.g. `traceparent`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An outbox row; `id` doubles as the deduplication id when published. */
export interface OutboxRecord {
  readonly id: string;
  readonly destination: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Publish attempts claimed by sweeps so far. */
  readonly attempts: number;
  readonly createdAt: string;
}

/**
 * Observes each statement a store sends, e.g. a request's telemetry scope (one span per statement,
 * named by `summary`, the store operation). It sees the statement's text, never its values.
 */
export interface QueryTracer {
  query<T>(statement: string, work: () => Promise<T>, summary?: string): Promise<T>;
}

/** What every store operation accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Traces the statements of this call; stores without statements ignore it. */
  readonly trace?: QueryTracer | undefined;
}

/** A read-model document write: `doc: null` deletes it. */
export interface DocumentWrite {
  readonly projection: string;
  readonly id: string;
  readonly doc: unknown;
}

/** A stored read-model document; `version` is the stream version it reflects (inline) or a write count (async). */
export interface StoredDocument<Doc = unknown> {
  readonly id: string;
  readonly version: number;
  readonly doc: Doc;
}

/** An Idempotency-Key claim written in the same transaction as the events. */
export interface IdempotencyClaim {
  readonly scope: string;
  readonly key: string;
  /** Fingerprint of the request, to tell a replay from a different request. */
  readonly requestHash: string;
}

export interface AppendOptions extends CallOptions {
  /** The stream's type, e.g. `order`. */
  readonly streamType: string;
  /** Default `'any'`. */
  readonly expectedVersion?: ExpectedVersion;
  /** When the command was handled; default the store's clock. */
  readonly at?: Date;
  /** Metadata for every event of this append. */
  readonly metadata?: EventMetadata;
  /** Messages written to the outbox in the same transaction. */
  readonly outbox?: readonly OutboxMessage[];
  /** Inline projection writes, in the same transaction; stored with the new stream version. */
  readonly documents?: readonly DocumentWrite[];
  /** A snapshot of the state after this append, stored with the new stream version. */
  readonly snapshot?: { readonly name: string; readonly state: unknown };
  /** Claims an Idempotency-Key; when already claimed nothing is written. */
  readonly idempotency?: IdempotencyClaim;
  /**
   * Ids of earlier outbox rows this append makes unneeded (the work they would trigger is what
   * it records): marked published in the same transaction, so no sweep relays them.
   */
  readonly outboxDone?: readonly string[];
}

export type AppendResult =
  | {
      readonly status: 'appended';
      readonly streamId: string;
      readonly nextVersion: number;
      readonly events: readonly RecordedEvent[];
      readonly outbox: readonly OutboxRecord[];
    }
  /** The key was claimed before by the same request: nothing written, `streamId` is the first one's. */
  | { readonly status: 'replayed'; readonly streamId: string }
  /** The key was claimed before by another request: nothing written. */
  | { readonly status: 'mismatch'; readonly streamId: string };

export interface ReadStreamOptions extends CallOptions {
  /** First version to read (forwards: default 1; backwards: default the last). */
  readonly from?: number;
  /** Default `'forwards'`. */
  readonly direction?: 'forwards' | 'backwards';
  /** Most events to return. Default 1000. */
  readonly limit?: number;
}

export interface ReadAllOptions extends CallOptions {
  /** Read events after this position. Default {@link logStart}. */
  readonly after?: LogPosition;
  /** Most events to return. Default 1000. */
  readonly limit?: number;
  /** Only these event types. */
  readonly types?: readonly string[];
}

export interface AggregateOptions<State, Event> extends CallOptions {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  /** Start from this snapshot (by name) when one exists. */
  readonly snapshot?: string;
}

export interface Aggregate<State> {
  readonly state: State;
  /** The stream's version: 0 when it has no events. */
  readonly version: number;
  /** Version of the snapshot the fold started from; 0 when none. */
  readonly snapshotVersion: number;
}

export interface ClaimOutboxOptions extends CallOptions {
  /** Most rows to claim. Default 100. */
  readonly limit?: number;
  /** How long a claim keeps other sweeps off the rows, in ms. Default 30 000. */
  readonly leaseMs?: number;
  /** Leave rows younger than this to the relay after commit, in ms. Default 10 000. */
  readonly minAgeMs?: number;
}

export interface CommitProjectionOptions extends CallOptions {
  /** The checkpoint this batch started from; `undefined` when the projection never ran. */
  readonly expected: LogPosition | undefined;
  /** The checkpoint after this batch. */
  readonly next: LogPosition;
  readonly documents: readonly DocumentWrite[];
}

/** The event store port: one contract suite, a memory and a Postgres adapter. */
export interface EventStore {
  /** Appends events, outbox rows, inline documents, snapshot and idempotency claim atomically. */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The global log after a position, never skipping an event that commits late. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Folds a stream (from a snapshot when asked) with `evolve`. */
  aggregateStream<State, Event extends { type: string; data: unknown } = RecordedEvent>(
    streamId: string,
    options: AggregateOptions<State, Event>,
  ): Promise<Aggregate<State>>;
  readDocument<Doc = unknown>(
    projection: string,
    id: string,
    options?: CallOptions,
  ): Promise<StoredDocument<Doc> | undefined>;
  readDocuments<Doc = unknown>(
    projection: string,
    ids: readonly string[],
    options?: CallOptions,
  ): Promise<StoredDocument<Doc>[]>;
  readCheckpoint(name: string, options?: CallOptions): Promise<LogPosition | undefined>;
  /** Writes documents and moves the checkpoint iff it is still `expected`; false when it moved. */
  commitProjection(name: string, options: CommitProjectionOptions): Promise<boolean>;
  /** Deletes a projection's documents and checkpoint, so it replays from the start. */
  resetProjection(name: string, options?: CallOptions): Promise<void>;
  /** Leases unpublished outbox rows (oldest first), skipping rows another sweep holds. */
  claimOutbox(options?: ClaimOutboxOptions): Promise<OutboxRecord[]>;
  markOutboxPublished(ids: readonly string[], options?: CallOptions): Promise<void>;
  recordOutboxFailure(id: string, error: string, options?: CallOptions): Promise<void>;
}

/** zod schemas of event payloads by event type; an append of an unknown type is rejected. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;
