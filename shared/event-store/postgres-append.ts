import type { AppendItem } from './append-batch-statement.ts';
import { batchedAppends, type BatchedAppend } from './append-batch-runner.ts';
import type { AppendBatchingOptions } from './append-batcher.ts';
import { appendStatement } from './append-statement.ts';
import { ConcurrencyError } from './concurrency-error.ts';
import type {
  AppendOptions,
  AppendResult,
  CallOptions,
  EventSchemas,
  EventStore,
  OutboxRecord,
  RecordedEvent,
} from './event-store.ts';
import { iso } from './postgres-rows.ts';
import { prepareAppend, type PreparedAppend } from './prepare.ts';
import { traced, type Row, type SendStatement, type SqlExecutor } from './sql-executor.ts';
import type { EventStoreTables } from './tables.ts';

/** What the append of a Postgres event store is built from. */
export interface PostgresAppendOptions {
  readonly db: SqlExecutor;
  readonly t: EventStoreTables;
  readonly send: SendStatement;
  readonly schemas: EventSchemas | undefined;
  readonly now: () => number;
  readonly newId: () => string;
  /** Retries of an `any`/`stream_exists` append that lost a race for a version. */
  readonly maxRaceRetries: number;
  readonly batchAppends: boolean | AppendBatchingOptions;
}

interface AppendContext {
  readonly t: EventStoreTables;
  readonly send: SendStatement;
  readonly batched: BatchedAppend | undefined;
}

/** The statement kind of every append statement, batched or not, for query spans. */
const batchStatementKind = 'WITH';

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

async function currentVersion(
  { t, send }: AppendContext,
  streamId: string,
  call: CallOptions,
): Promise<number> {
  const rows = await send(
    'currentVersion',
    `select coalesce(max(stream_version), 0)::text as version from ${t.events} where stream_id = $1`,
    [streamId],
    call,
  );
  return Number(rows[0]?.version ?? 0);
}

async function ownerOf(
  { t, send }: AppendContext,
  options: AppendOptions,
): Promise<Row | undefined> {
  const claim = options.idempotency!;
  const rows = await send(
    'idempotencyOwner',
    `select json_build_object('requestHash', request_hash, 'streamId', stream_id) as owner
       from ${t.idempotency} where scope = $1 and key = $2`,
    [claim.scope, claim.key],
    options,
  );
  return rows[0]?.owner as Row | undefined;
}

function claimed(options: AppendOptions, owner: Row): AppendResult {
  const status = owner.requestHash === options.idempotency!.requestHash ? 'replayed' : 'mismatch';
  return { status, streamId: String(owner.streamId) };
}

/** The append's result row: its statement alone, or its share of a batch. */
async function appendRow(
  { t, send, batched }: AppendContext,
  item: AppendItem,
): Promise<Row | undefined> {
  if (!batched) {
    const { text, values } = appendStatement(t, item.append, item.options);
    return (await send('append', text, values, item.options))[0];
  }
  const { signal, trace } = item.options;
  return traced('append', batchStatementKind, () => batched(item, signal), trace);
}

/** The appended events, placed where the statement's `recorded` column says. */
function recordedEvents(
  append: PreparedAppend,
  recorded: readonly [string, string, string][],
): RecordedEvent[] {
  return append.events.map((event, index): RecordedEvent => {
    const [globalPosition, transactionId, streamVersion] = recorded[index]!;
    return {
      id: event.id,
      type: event.type,
      data: event.data,
      schemaVersion: event.schemaVersion,
      streamId: append.streamId,
      streamType: append.streamType,
      streamVersion: Number(streamVersion),
      position: { transactionId: Number(transactionId), globalPosition: Number(globalPosition) },
      occurredAt: append.occurredAt,
      metadata: event.metadata,
    };
  });
}

/** The outbox rows an append wrote, stamped with the statement's time. */
function outboxRecords(outbox: PreparedAppend['outbox'], createdAt: unknown): OutboxRecord[] {
  if (outbox.length === 0) return [];
  const at = iso(createdAt);
  return outbox.map((message) => ({ ...message, attempts: 0, createdAt: at }));
}

async function appendOnce(
  context: AppendContext,
  append: PreparedAppend,
  options: AppendOptions,
): Promise<AppendResult> {
  const row = await appendRow(context, { append, options });
  const recorded = (row?.recorded ?? null) as [string, string, string][] | null;
  if (!row || !recorded || recorded.length === 0) {
    if (options.idempotency) {
      const owner = (row?.owner as Row | null) ?? (await ownerOf(context, options));
      if (owner) return claimed(options, owner);
    }
    const actual = row
      ? Number(row.current)
      : await currentVersion(context, append.streamId, options);
    throw new ConcurrencyError(append.streamId, append.expectedVersion, actual);
  }
  const events = recordedEvents(append, recorded);
  return {
    status: 'appended',
    streamId: append.streamId,
    nextVersion: events[events.length - 1]!.streamVersion,
    events,
    outbox: outboxRecords(append.outbox, row.created_at),
  };
}

/** `EventStore.append` on Postgres: one statement per append (or per group commit), race retries. */
export function postgresAppend({
  db,
  t,
  send,
  schemas,
  now,
  newId,
  maxRaceRetries,
  batchAppends,
}: PostgresAppendOptions): EventStore['append'] {
  const context: AppendContext = {
    t,
    send,
    batched: batchAppends
      ? batchedAppends(db, t, batchAppends === true ? {} : batchAppends)
      : undefined,
  };
  return async function appendEvents(streamId, events, options) {
    options.signal?.throwIfAborted();
    const append = prepareAppend(streamId, events, options, { schemas, now, newId });
    // Only `any` and `stream_exists` may retry a lost race: they did not pin a version.
    const retries =
      append.expectedVersion === 'any' || append.expectedVersion === 'stream_exists'
        ? maxRaceRetries
        : 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await appendOnce(context, append, options);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (attempt < retries) {
          // A short random pause spreads writers that keep colliding on one stream.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
          continue;
        }
        const actual = await currentVersion(context, streamId, options);
        throw new ConcurrencyError(streamId, append.expectedVersion, actual, error);
      }
    }
  };
}
