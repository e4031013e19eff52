import {
  batchAppendStatement,
  batchAppendValues,
  batchKeys,
  batchShape,
  shapeKey,
  dedupeWrites,
  type AppendItem,
} from './append-batch-statement.ts';
import { appendBatcher, type AppendBatchingOptions } from './append-batcher.ts';
import { ConcurrencyError } from './concurrency-error.ts';
import type {
  Aggregate,
  AggregateOptions,
  AppendOptions,
  AppendResult,
  CallOptions,
  EventMetadata,
  EventSchemas,
  EventStore,
  OutboxRecord,
  RecordedEvent,
  StoredDocument,
} from './event-store.ts';
import { logStart } from './event-store.ts';
import { readLimit } from './positions.ts';
import { assertName, eventStoreLimits, prepareAppend, type PreparedAppend } from './prepare.ts';
import { eventStoreTables, isoNow, type EventStoreTables } from './tables.ts';

type Row = Record<string, unknown>;

/** Runs one SQL statement (one round trip, its own transaction) and returns its rows. */
export interface SqlExecutor {
  query(text: string, params: readonly unknown[], signal?: AbortSignal): Promise<Row[]>;
}

export interface PostgresEventStoreOptions {
  /** Schema holding the `es_*` tables. Default `public`. */
  schema?: string;
  /** zod schemas of event payloads by type; when given, unknown types are rejected. */
  schemas?: EventSchemas;
  /** Milliseconds clock for event times when the append gives none. Default Date.now. */
  now?: () => number;
  /** Id generator for events and outbox rows. Default crypto.randomUUID. */
  newId?: () => string;
  /** Retries of an `any`/`stream_exists` append that lost a race for a version. Default 25. */
  maxRaceRetries?: number;
  /**
   * Group commit: concurrent appends go to Postgres together, as one statement and one
   * transaction, each still decided on its own (its guard, its claim, its ConcurrencyError). An
   * idle store sends an append at once. For hosts where one store serves many concurrent callers
   * (Node, Deno); not workerd, where a request may not settle another request's I/O. Default off.
   */
  batchAppends?: boolean | AppendBatchingOptions;
}

/** The statement kind of every append statement, batched or not, for query spans. */
const batchStatementKind = 'WITH';

// Aliases differ from the column names: ORDER BY would otherwise sort by the text aliases.
const eventColumns = `global_position::text as position_text, transaction_id::text as transaction_text,
  stream_id, stream_type, stream_version::text as version_text, event_id::text as event_id, type,
  schema_version, data, metadata, occurred_at`;

function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

function toEvent(row: Row): RecordedEvent {
  return {
    id: String(row.event_id),
    type: String(row.type),
    data: row.data,
    schemaVersion: Number(row.schema_version),
    streamId: String(row.stream_id),
    streamType: String(row.stream_type),
    streamVersion: Number(row.version_text),
    position: {
      transactionId: Number(row.transaction_text),
      globalPosition: Number(row.position_text),
    },
    occurredAt: iso(row.occurred_at),
    metadata: (row.metadata ?? {}) as Record<string, string> satisfies EventMetadata,
  };
}

function toOutbox(row: Row): OutboxRecord {
  return {
    id: String(row.id),
    destination: String(row.destination),
    body: row.body,
    headers: (row.headers ?? {}) as Record<string, string>,
    attempts: Number(row.attempts),
    createdAt: iso(row.created_at),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/** Placeholders numbered in the order values are added. */
function parameters() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * Builds the single statement of an append: a version guard, the idempotency claim, the events,
 * their outbox rows, inline documents and the snapshot, each gated on the one before, so a failed
 * guard or claim writes nothing and a lost race aborts the whole statement.
 */
function appendStatement(t: EventStoreTables, append: PreparedAppend, options: AppendOptions) {
  const p = parameters();
  const streamId = `${p.add(append.streamId)}::text`;
  const expected = append.expectedVersion;
  const condition =
    expected === 'any'
      ? 'true'
      : expected === 'no_stream'
        ? 'version = 0'
        : expected === 'stream_exists'
          ? 'version > 0'
          : `version = ${p.add(expected)}::bigint`;
  // Inlined: a whole number the store counted, and an unused parameter would have no type.
  const count = `${append.events.length}::bigint`;
  const ctes = [
    `guard as (select coalesce(max(stream_version), 0)::bigint as version from ${t.events} where stream_id = ${streamId})`,
    `ok as (select version from guard where ${condition})`,
  ];
  let owner = 'null::json';
  if (options.idempotency) {
    const scope = `${p.add(options.idempotency.scope)}::text`;
    const key = `${p.add(options.idempotency.key)}::text`;
    ctes.push(
      `claim as (insert into ${t.idempotency} (scope, key, request_hash, stream_id)
        select ${scope}, ${key}, ${p.add(options.idempotency.requestHash)}::text, ${streamId} from ok
        on conflict do nothing returning 1)`,
      `base as (select version from ok where exists (select 1 from claim))`,
    );
    owner = `(select json_build_object('requestHash', request_hash, 'streamId', stream_id)
      from ${t.idempotency} where scope = ${scope} and key = ${key})`;
  } else {
    ctes.push(`base as (select version from ok)`);
  }
  ctes.push(
    `ev as (insert into ${t.events}
      (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, occurred_at)
      select ${streamId}, ${p.add(append.streamType)}::text, base.version + e.ord, (e.value->>'id')::uuid,
        e.value->>'type', (e.value->>'schemaVersion')::integer, e.value->'data', e.value->'metadata',
        ${p.add(append.occurredAt)}::timestamptz
      from base cross join jsonb_array_elements(${p.add(JSON.stringify(append.events))}::jsonb)
        with ordinality as e(value, ord)
      order by e.ord
      returning global_position, transaction_id, stream_version)`,
  );
  if (append.outbox.length > 0) {
    ctes.push(
      `ob as (insert into ${t.outbox} (id, destination, body, headers, created_at)
        select (o.value->>'id')::uuid, o.value->>'destination', o.value->'body', o.value->'headers', now()
        from base cross join jsonb_array_elements(${p.add(JSON.stringify(append.outbox))}::jsonb)
          with ordinality as o(value, ord)
        order by o.ord)`,
    );
  }
  const writes = dedupeWrites(options.documents ?? []);
  if (writes.length > 0) {
    const docs = p.add(JSON.stringify(writes));
    ctes.push(
      `docs as (insert into ${t.documents} (projection, id, version, doc, updated_at)
        select d->>'projection', d->>'id', base.version + ${count}, d->'doc', now()
        from base cross join jsonb_array_elements(${docs}::jsonb) d where d->'doc' <> 'null'::jsonb
        on conflict (projection, id) do update
        set version = excluded.version, doc = excluded.doc, updated_at = excluded.updated_at)`,
      `undocs as (delete from ${t.documents} where exists (select 1 from base)
        and (projection, id) in (select d->>'projection', d->>'id'
          from jsonb_array_elements(${docs}::jsonb) d where d->'doc' = 'null'::jsonb))`,
    );
  }
  if (options.snapshot) {
    ctes.push(
      `snap as (insert into ${t.snapshots} (stream_id, name, version, state)
        select ${streamId}, ${p.add(options.snapshot.name)}::text, base.version + ${count},
          ${p.add(JSON.stringify(options.snapshot.state ?? null))}::jsonb from base
        on conflict (stream_id, name) do update set version = excluded.version, state = excluded.state)`,
    );
  }
  const text = `with ${ctes.join(',\n')}
    select (select version from guard)::text as current,
      (select json_agg(json_build_array(global_position::text, transaction_id::text, stream_version::text)
        order by stream_version) from ev) as recorded,
      ${isoNow} as created_at,
      ${owner} as owner`;
  return { text, values: p.values };
}

/** The outbox rows an append wrote, stamped with the statement's time. */
function outboxRecords(outbox: PreparedAppend['outbox'], createdAt: unknown): OutboxRecord[] {
  if (outbox.length === 0) return [];
  const at = iso(createdAt);
  return outbox.map((message) => ({ ...message, attempts: 0, createdAt: at }));
}

/** Postgres answered the statement with an error: it ran in its own transaction and wrote nothing. */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * EventStore on Postgres through any executor; every write is one statement, so one round trip
 * over Neon's HTTP path and over a WebSocket `Pool` alike. Use `neonHttpEventStore` or
 * `neonPoolEventStore` from `./neon.ts`.
 */
export function postgresEventStore(
  db: SqlExecutor,
  {
    schema,
    schemas,
    now = Date.now,
    newId = () => crypto.randomUUID(),
    maxRaceRetries = 25,
    batchAppends = false,
  }: PostgresEventStoreOptions = {},
): EventStore {
  const t = eventStoreTables(schema);

  /** Runs `work` (the statement `text`, or its share of a batch) in a span when there is a tracer. */
  function traced<T>(
    summary: string,
    text: string,
    work: () => Promise<T>,
    trace: CallOptions['trace'],
  ): Promise<T> {
    return trace ? trace.query(text, work, summary) : work();
  }

  /** Sends one statement, traced under `summary` when the call carries a tracer. */
  function send(
    summary: string,
    text: string,
    values: readonly unknown[],
    { signal, trace }: CallOptions = {},
  ): Promise<Row[]> {
    return traced(summary, text, () => db.query(text, values, signal), trace);
  }

  async function currentVersion(streamId: string, call: CallOptions): Promise<number> {
    const rows = await send(
      'currentVersion',
      `select coalesce(max(stream_version), 0)::text as version from ${t.events} where stream_id = $1`,
      [streamId],
      call,
    );
    return Number(rows[0]?.version ?? 0);
  }

  async function ownerOf(options: AppendOptions): Promise<Row | undefined> {
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

  const batchTexts = new Map<string, string>();
  function batchTextFor(items: readonly AppendItem[]): string {
    const shape = batchShape(items);
    const key = shapeKey(shape);
    let text = batchTexts.get(key);
    if (text === undefined) batchTexts.set(key, (text = batchAppendStatement(t, shape)));
    return text;
  }
  async function runBatch(items: AppendItem[]): Promise<PromiseSettledResult<Row | undefined>[]> {
    const alone = async ({ append, options }: AppendItem) => {
      const { text, values } = appendStatement(t, append, options);
      return (await db.query(text, values))[0];
    };
    if (items.length === 1) return Promise.allSettled([alone(items[0]!)]);
    try {
      const rows = await db.query(batchTextFor(items), batchAppendValues(items));
      const byItem = new Map(rows.map((row) => [Number(row.item), row]));
      return items.map((_, index) => ({ status: 'fulfilled', value: byItem.get(index) }));
    } catch (error) {
      if (!isStatementError(error)) throw error;
      // One append's lost race fails the whole statement, which wrote nothing: each goes alone.
      return Promise.allSettled(items.map(alone));
    }
  }

  const batched = batchAppends
    ? appendBatcher(runBatch, batchKeys, batchAppends === true ? {} : batchAppends)
    : undefined;

  /** The append's result row: its statement alone, or its share of a batch. */
  async function appendRow(item: AppendItem): Promise<Row | undefined> {
    if (!batched) {
      const { text, values } = appendStatement(t, item.append, item.options);
      return (await send('append', text, values, item.options))[0];
    }
    const { signal, trace } = item.options;
    return traced('append', batchStatementKind, () => batched(item, signal), trace);
  }

  async function appendOnce(append: PreparedAppend, options: AppendOptions): Promise<AppendResult> {
    const row = await appendRow({ append, options });
    const recorded = (row?.recorded ?? null) as [string, string, string][] | null;
    if (!row || !recorded || recorded.length === 0) {
      if (options.idempotency) {
        const owner = (row?.owner as Row | null) ?? (await ownerOf(options));
        if (owner) return claimed(options, owner);
      }
      const actual = row ? Number(row.current) : await currentVersion(append.streamId, options);
      throw new ConcurrencyError(append.streamId, append.expectedVersion, actual);
    }
    const events = append.events.map((event, index): RecordedEvent => {
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
    return {
      status: 'appended',
      streamId: append.streamId,
      nextVersion: events[events.length - 1]!.streamVersion,
      events,
      outbox: outboxRecords(append.outbox, row.created_at),
    };
  }

  return {
    async append(streamId, events, options) {
      options.signal?.throwIfAborted();
      const append = prepareAppend(streamId, events, options, { schemas, now, newId });
      // Only `any` and `stream_exists` may retry a lost race: they did not pin a version.
      const retries =
        append.expectedVersion === 'any' || append.expectedVersion === 'stream_exists'
          ? maxRaceRetries
          : 0;
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await appendOnce(append, options);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          if (attempt < retries) {
            // A short random pause spreads writers that keep colliding on one stream.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
            continue;
          }
          const actual = await currentVersion(streamId, options);
          throw new ConcurrencyError(streamId, append.expectedVersion, actual, error);
        }
      }
    },

    async readStream(streamId, { from, direction = 'forwards', limit, ...call } = {}) {
      assertName('streamId', streamId, eventStoreLimits.streamId);
      const forwards = direction === 'forwards';
      const rows = await send(
        'readStream',
        `select ${eventColumns} from ${t.events}
         where stream_id = $1 and stream_version ${forwards ? '>=' : '<='} $2
         order by stream_version ${forwards ? 'asc' : 'desc'} limit $3`,
        [streamId, from ?? (forwards ? 1 : Number.MAX_SAFE_INTEGER), readLimit(limit)],
        call,
      );
      return rows.map(toEvent);
    },

    async readAll({ after = logStart, limit, types, ...call } = {}) {
      const values: unknown[] = [
        String(after.transactionId),
        after.globalPosition,
        readLimit(limit),
      ];
      if (types) values.push(JSON.stringify(types));
      // Order by the writing transaction, and stop below the oldest transaction still running:
      // an event that commits late with a lower position is then read later, never skipped.
      const rows = await send(
        'readAll',
        `select ${eventColumns} from ${t.events}
         where (transaction_id, global_position) > ($1::xid8, $2::bigint)
           and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ${types ? 'and type in (select jsonb_array_elements_text($4::jsonb))' : ''}
         order by transaction_id, global_position limit $3`,
        values,
        call,
      );
      return rows.map(toEvent);
    },

    async aggregateStream<State, Event extends { type: string; data: unknown }>(
      streamId: string,
      { initialState, evolve, snapshot, ...call }: AggregateOptions<State, Event>,
    ): Promise<Aggregate<State>> {
      assertName('streamId', streamId, eventStoreLimits.streamId);
      const rows = await send(
        'aggregateStream',
        `select s.version::text as snapshot_version, s.state as snapshot_state, e.*
         from (select 1) as one
         left join ${t.snapshots} s on s.stream_id = $1 and s.name = $2
         left join lateral (
           select ${eventColumns} from ${t.events}
           where stream_id = $1 and stream_version > coalesce(s.version, 0)
           order by stream_version) e on true`,
        [streamId, snapshot ?? null],
        call,
      );
      const first = rows[0];
      const snapshotVersion = first?.snapshot_version == null ? 0 : Number(first.snapshot_version);
      let state = snapshotVersion > 0 ? (first!.snapshot_state as State) : initialState();
      let version = snapshotVersion;
      for (const row of rows) {
        if (row.event_id == null) continue;
        const event = toEvent(row);
        state = evolve(state, event as unknown as Event);
        version = event.streamVersion;
      }
      return { state, version, snapshotVersion };
    },

    async readDocument<Doc>(projection: string, id: string, call: CallOptions = {}) {
      const rows = await send(
        'readDocument',
        `select id, version::text as version, doc from ${t.documents} where projection = $1 and id = $2`,
        [projection, id],
        call,
      );
      const row = rows[0];
      return row
        ? ({
            id: String(row.id),
            version: Number(row.version),
            doc: row.doc,
          } as StoredDocument<Doc>)
        : undefined;
    },

    async readDocuments<Doc>(projection: string, ids: readonly string[], call: CallOptions = {}) {
      if (ids.length === 0) return [];
      const rows = await send(
        'readDocuments',
        `select id, version::text as version, doc from ${t.documents}
         where projection = $1 and id in (select jsonb_array_elements_text($2::jsonb))`,
        [projection, JSON.stringify([...new Set(ids)])],
        call,
      );
      return rows.map(
        (row) =>
          ({
            id: String(row.id),
            version: Number(row.version),
            doc: row.doc,
          }) as StoredDocument<Doc>,
      );
    },

    async readCheckpoint(name, call = {}) {
      const rows = await send(
        'readCheckpoint',
        `select transaction_id::text as transaction_id, global_position::text as global_position
         from ${t.checkpoints} where name = $1`,
        [name],
        call,
      );
      const row = rows[0];
      return row
        ? { transactionId: Number(row.transaction_id), globalPosition: Number(row.global_position) }
        : undefined;
    },

    async commitProjection(name, { expected, next, documents, ...call }) {
      assertName('projection', name, eventStoreLimits.projection);
      const p = parameters();
      const nameParam = p.add(name);
      const nextTx = p.add(String(next.transactionId));
      const nextPos = p.add(next.globalPosition);
      const move = expected
        ? `update ${t.checkpoints} set transaction_id = ${nextTx}::xid8, global_position = ${nextPos}::bigint,
             updated_at = now()
           where name = ${nameParam} and transaction_id = ${p.add(String(expected.transactionId))}::xid8
             and global_position = ${p.add(expected.globalPosition)}::bigint returning 1`
        : `insert into ${t.checkpoints} (name, transaction_id, global_position)
           values (${nameParam}, ${nextTx}::xid8, ${nextPos}::bigint)
           on conflict (name) do nothing returning 1`;
      const writes = dedupeWrites(documents);
      const docs = p.add(JSON.stringify(writes));
      // The documents are written only if this runner moved the checkpoint: a concurrent runner
      // that got there first makes this statement write nothing.
      const rows = await send(
        'commitProjection',
        `with cp as (${move}),
         docs as (insert into ${t.documents} (projection, id, version, doc, updated_at)
           select d->>'projection', d->>'id', 1, d->'doc', now()
           from cp cross join jsonb_array_elements(${docs}::jsonb) d where d->'doc' <> 'null'::jsonb
           on conflict (projection, id) do update
           set version = ${t.documents}.version + 1, doc = excluded.doc, updated_at = excluded.updated_at),
         undocs as (delete from ${t.documents} where exists (select 1 from cp)
           and (projection, id) in (select d->>'projection', d->>'id'
             from jsonb_array_elements(${docs}::jsonb) d where d->'doc' = 'null'::jsonb))
         select count(*)::int as moved from cp`,
        p.values,
        call,
      );
      return Number(rows[0]?.moved ?? 0) === 1;
    },

    async resetProjection(name, call = {}) {
      await send(
        'resetProjection',
        `with docs as (delete from ${t.documents} where projection = $1)
         delete from ${t.checkpoints} where name = $1`,
        [name],
        call,
      );
    },

    async claimOutbox({ limit = 100, leaseMs = 30_000, minAgeMs = 10_000, ...call } = {}) {
      const rows = await send(
        'claimOutbox',
        `update ${t.outbox} set attempts = attempts + 1,
           locked_until = now() + make_interval(secs => $2::double precision / 1000)
         where id in (
           select id from ${t.outbox}
           where published_at is null
             and created_at <= now() - make_interval(secs => $3::double precision / 1000)
             and (locked_until is null or locked_until <= now())
           order by position limit $1
           for update skip locked)
         returning id::text as id, position::text as position_text, destination, body, headers,
           attempts, created_at`,
        [limit, leaseMs, minAgeMs],
        call,
      );
      rows.sort((a, b) => Number(a.position_text) - Number(b.position_text));
      return rows.map(toOutbox);
    },

    async markOutboxPublished(ids, call = {}) {
      if (ids.length === 0) return;
      await send(
        'markOutboxPublished',
        `update ${t.outbox} set published_at = now(), locked_until = null, last_error = null
         where id in (select (jsonb_array_elements_text($1::jsonb))::uuid)`,
        [JSON.stringify(ids)],
        call,
      );
    },

    async recordOutboxFailure(id, error, call = {}) {
      await send(
        'recordOutboxFailure',
        `update ${t.outbox} set last_error = left($2, 2000) where id = $1::uuid`,
        [id, error],
        call,
      );
    },
  };
}
