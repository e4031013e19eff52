import type { EventStore } from './event-store.ts';
import { toOutbox } from './postgres-rows.ts';
import type { SendStatement } from './sql-executor.ts';
import type { EventStoreTables } from './tables.ts';

/** The outbox of a Postgres event store: leasing unpublished rows and recording their fate. */
export function postgresOutbox(
  t: EventStoreTables,
  send: SendStatement,
): Pick<EventStore, 'claimOutbox' | 'markOutboxPublished' | 'recordOutboxFailure'> {
  return {
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
