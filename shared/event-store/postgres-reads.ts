import type { Aggregate, AggregateOptions, EventStore } from './event-store.ts';
import { logStart } from './event-store.ts';
import { readLimit } from './positions.ts';
import { eventColumns, toEvent } from './postgres-rows.ts';
import { assertName, eventStoreLimits } from './prepare.ts';
import type { SendStatement } from './sql-executor.ts';
import type { EventStoreTables } from './tables.ts';

/** The event reads of a Postgres event store: a stream, the global log, a stream's fold. */
export function postgresReads(
  t: EventStoreTables,
  send: SendStatement,
): Pick<EventStore, 'readStream' | 'readAll' | 'aggregateStream'> {
  return {
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
  };
}
