import { dedupeWrites } from './append-batch-statement.ts';
import type { AppendOptions } from './event-store.ts';
import type { PreparedAppend } from './prepare.ts';
import { parameters } from './sql-executor.ts';
import { isoNow, type EventStoreTables } from './tables.ts';

/**
 * Builds the single statement of an append: a version guard, the idempotency claim, the events,
 * their outbox rows, inline documents and the snapshot, each gated on the one before, so a failed
 * guard or claim writes nothing and a lost race aborts the whole statement.
 */
export function appendStatement(
  t: EventStoreTables,
  append: PreparedAppend,
  options: AppendOptions,
) {
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
  if (options.outboxDone?.length) {
    ctes.push(
      `done as (update ${t.outbox} set published_at = now(), locked_until = null
        where exists (select 1 from base) and published_at is null
          and id in (select (jsonb_array_elements_text(${p.add(JSON.stringify(options.outboxDone))}::jsonb))::uuid))`,
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
