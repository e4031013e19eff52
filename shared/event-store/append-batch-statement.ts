import type { AppendOptions, DocumentWrite } from './event-store.ts';
import type { PreparedAppend } from './prepare.ts';
import { isoNow, type EventStoreTables } from './tables.ts';

/** One append of a batch: what to write and how. */
export interface AppendItem {
  readonly append: PreparedAppend;
  readonly options: AppendOptions;
}

/** Last write per (projection, id) wins; Postgres refuses to upsert one row twice in a statement. */
export function dedupeWrites(writes: readonly DocumentWrite[]): DocumentWrite[] {
  const byKey = new Map<string, DocumentWrite>();
  for (const write of writes) byKey.set(`${write.projection}\u0000${write.id}`, write);
  return [...byKey.values()];
}

/**
 * What an append may not share a batch with: its stream, its idempotency key, its documents.
 * Appends of one batch then never see each other's writes, so each guard and claim decides for
 * its own append alone.
 */
export function batchKeys({ append, options }: AppendItem): string[] {
  const keys = [`stream\u0000${append.streamId}`];
  if (options.idempotency) {
    keys.push(`claim\u0000${options.idempotency.scope}\u0000${options.idempotency.key}`);
  }
  for (const write of options.documents ?? []) {
    keys.push(`doc\u0000${write.projection}\u0000${write.id}`);
  }
  return keys;
}

/** Which optional writes a batch makes; each shape has a statement of its own. */
export interface BatchShape {
  readonly claims: boolean;
  readonly outbox: boolean;
  readonly documents: boolean;
  readonly snapshots: boolean;
  readonly outboxDone: boolean;
}

/** The shape of `items`: a part goes into the statement when any append of the batch needs it. */
export function batchShape(items: readonly AppendItem[]): BatchShape {
  return {
    claims: items.some(({ options }) => options.idempotency !== undefined),
    outbox: items.some(({ append }) => append.outbox.length > 0),
    documents: items.some(({ options }) => (options.documents?.length ?? 0) > 0),
    snapshots: items.some(({ options }) => options.snapshot !== undefined),
    outboxDone: items.some(({ options }) => (options.outboxDone?.length ?? 0) > 0),
  };
}

/** A short stable key of a shape, e.g. `c-d-`, to cache its statement text. */
export function shapeKey(shape: BatchShape): string {
  return `${shape.claims ? 'c' : '-'}${shape.outbox ? 'o' : '-'}${shape.documents ? 'd' : '-'}${shape.snapshots ? 's' : '-'}${shape.outboxDone ? 'x' : '-'}`;
}

/**
 * The statement of a batch of appends of one shape, the same text for any number of appends, so
 * a connection prepares and plans it once per shape. Set-based, it does per append row what the
 * single append statement does: version guard, idempotency claim, events, outbox rows, inline
 * documents, snapshot, leaving out the parts no append of the shape uses. One result row per
 * append (`item` its index): the stream's version before the statement, the recorded positions
 * (none when the guard or the claim refused) and the claim's earlier owner.
 */
export function batchAppendStatement(t: EventStoreTables, shape: BatchShape): string {
  const ctes = [
    `input as (
    select x.* from jsonb_to_recordset($1::jsonb) as x(item integer, stream_id text, stream_type text,
      expected text, expected_version bigint, occurred_at timestamptz, events jsonb, outbox jsonb,
      docs jsonb, claim jsonb, snapshot jsonb, done jsonb)
  )`,
    `guard as (
    select input.*, coalesce((select max(e.stream_version) from ${t.events} e
      where e.stream_id = input.stream_id), 0)::bigint as version
    from input
  )`,
    `ok as (
    select * from guard where case expected
      when 'any' then true when 'no_stream' then version = 0 when 'stream_exists' then version > 0
      else version = expected_version end
  )`,
  ];
  if (shape.claims) {
    ctes.push(
      `claimed as (
    insert into ${t.idempotency} (scope, key, request_hash, stream_id)
    select claim->>'scope', claim->>'key', claim->>'requestHash', stream_id from ok where claim is not null
    on conflict do nothing returning scope, key
  )`,
      `base as (
    select ok.* from ok where ok.claim is null or exists (select 1 from claimed
      where claimed.scope = ok.claim->>'scope' and claimed.key = ok.claim->>'key')
  )`,
    );
  } else {
    ctes.push(`base as (select * from ok)`);
  }
  ctes.push(`ev as (
    insert into ${t.events}
      (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, occurred_at)
    select base.stream_id, base.stream_type, base.version + e.ord, (e.value->>'id')::uuid,
      e.value->>'type', (e.value->>'schemaVersion')::integer, e.value->'data', e.value->'metadata',
      base.occurred_at
    from base cross join jsonb_array_elements(base.events) with ordinality as e(value, ord)
    order by base.item, e.ord
    returning stream_id, global_position, transaction_id, stream_version
  )`);
  if (shape.outbox) {
    ctes.push(`ob as (
    insert into ${t.outbox} (id, destination, body, headers, created_at)
    select (o.value->>'id')::uuid, o.value->>'destination', o.value->'body', o.value->'headers', now()
    from base cross join jsonb_array_elements(base.outbox) with ordinality as o(value, ord)
    order by base.item, o.ord
  )`);
  }
  if (shape.outboxDone) {
    ctes.push(`done as (
    update ${t.outbox} set published_at = now(), locked_until = null
    where published_at is null and id in (select (jsonb_array_elements_text(base.done))::uuid
      from base where base.done is not null)
  )`);
  }
  if (shape.documents) {
    ctes.push(
      `docs as (
    insert into ${t.documents} (projection, id, version, doc, updated_at)
    select d->>'projection', d->>'id', base.version + jsonb_array_length(base.events), d->'doc', now()
    from base cross join jsonb_array_elements(base.docs) d where d->'doc' <> 'null'::jsonb
    on conflict (projection, id) do update
    set version = excluded.version, doc = excluded.doc, updated_at = excluded.updated_at
  )`,
      `undocs as (
    delete from ${t.documents} where (projection, id) in (select d->>'projection', d->>'id'
      from base cross join jsonb_array_elements(base.docs) d where d->'doc' = 'null'::jsonb)
  )`,
    );
  }
  if (shape.snapshots) {
    ctes.push(`snap as (
    insert into ${t.snapshots} (stream_id, name, version, state)
    select stream_id, snapshot->>'name', version + jsonb_array_length(events), snapshot->'state'
    from base where snapshot is not null
    on conflict (stream_id, name) do update set version = excluded.version, state = excluded.state
  )`);
  }
  const owner = shape.claims
    ? `(select json_build_object('requestHash', k.request_hash, 'streamId', k.stream_id)
      from ${t.idempotency} k where guard.claim is not null
        and k.scope = guard.claim->>'scope' and k.key = guard.claim->>'key')`
    : 'null::json';
  return `with ${ctes.join(',\n  ')}
  select guard.item, guard.version::text as current,
    (select json_agg(json_build_array(ev.global_position::text, ev.transaction_id::text,
      ev.stream_version::text) order by ev.stream_version) from ev where ev.stream_id = guard.stream_id)
      as recorded,
    ${isoNow} as created_at,
    ${owner} as owner
  from guard order by guard.item`;
}

/**
 * The one parameter of `batchAppendStatement`: every append of the batch as a JSON row, without
 * the fields it leaves empty (they read as null).
 */
export function batchAppendValues(items: readonly AppendItem[]): [string] {
  const rows = items.map(({ append, options }, item) => {
    const expected = append.expectedVersion;
    const row: Record<string, unknown> = {
      item,
      stream_id: append.streamId,
      stream_type: append.streamType,
      expected: typeof expected === 'number' ? 'exact' : expected,
      occurred_at: append.occurredAt,
      events: append.events,
    };
    if (typeof expected === 'number') row.expected_version = expected;
    if (append.outbox.length > 0) row.outbox = append.outbox;
    if (options.documents?.length) row.docs = dedupeWrites(options.documents);
    if (options.idempotency) row.claim = options.idempotency;
    if (options.outboxDone?.length) row.done = options.outboxDone;
    if (options.snapshot) {
      row.snapshot = { name: options.snapshot.name, state: options.snapshot.state ?? null };
    }
    return row;
  });
  return [JSON.stringify(rows)];
}
