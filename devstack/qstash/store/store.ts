import type pg from 'pg';
import type { DeadLetter } from '../message.ts';
import { deadLetterQueries, eventQueries, messageQueries } from './message-queries.ts';
import { schemaName } from './schema.ts';
import { queueQueries, scheduleQueries, topicQueries } from './settings-queries.ts';
import { createBatchApplier, type WriteBatch } from './write-batch.ts';

export type { DlqFilter, EventFilter } from './message-queries.ts';
export type { QueueRecord, ScheduleRecord, Topic } from './settings-queries.ts';

/** The Postgres side of the QStash server, in its own schema. */
export function createQstashStore(pool: pg.Pool, schema: string) {
  const s = schemaName(schema);
  const apply = createBatchApplier(pool, schema);
  return {
    apply: (batch: WriteBatch, signal?: AbortSignal) => apply(batch, signal),
    ...messageQueries(pool, s),
    ...deadLetterQueries(pool, s),
    ...eventQueries(pool, s),
    ...topicQueries(pool, s),
    ...queueQueries(pool, s),
    ...scheduleQueries(pool, s),

    async dropSchema(): Promise<void> {
      await pool.query(`drop schema if exists ${s} cascade`);
    },
  };
}

/** The store's interface. */
export type QstashStore = ReturnType<typeof createQstashStore>;

export type { DeadLetter };
