import { dedupeWrites } from './append-batch-statement.ts';
import type { CallOptions, EventStore } from './event-store.ts';
import { toDocument } from './postgres-rows.ts';
import { assertName, eventStoreLimits } from './prepare.ts';
import { parameters, type SendStatement } from './sql-executor.ts';
import type { EventStoreTables } from './tables.ts';

/** The read models of a Postgres event store: documents, checkpoints, projection commits. */
export function postgresProjections(
  t: EventStoreTables,
  send: SendStatement,
): Pick<
  EventStore,
  'readDocument' | 'readDocuments' | 'readCheckpoint' | 'commitProjection' | 'resetProjection'
> {
  return {
    async readDocument<Doc>(projection: string, id: string, call: CallOptions = {}) {
      const rows = await send(
        'readDocument',
        `select id, version::text as version, doc from ${t.documents} where projection = $1 and id = $2`,
        [projection, id],
        call,
      );
      const row = rows[0];
      return row ? toDocument<Doc>(row) : undefined;
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
      return rows.map((row) => toDocument<Doc>(row));
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
  };
}
