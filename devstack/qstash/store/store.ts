import type pg from 'pg';
import type { EventRecord } from '../events.ts';
import type { DeadLetter, MessageSpec, PendingMessage } from '../message.ts';
import { fromDeadLetterRow, fromMessageRow, type DeadLetterRow, type MessageRow } from './rows.ts';
import { schemaName } from './schema.ts';
import { createBatchApplier, type WriteBatch } from './write-batch.ts';

/** Filters of DLQ listings and bulk actions (QStash's query parameters). */
export interface DlqFilter {
  dlqIds?: string[];
  messageId?: string;
  url?: string;
  topicName?: string;
  scheduleId?: string;
  queueName?: string;
  label?: string;
  flowControlKey?: string;
  responseStatus?: number;
  callerIp?: string;
  fromDate?: number;
  toDate?: number;
  /** `workflow`: only messages of Upstash Workflow runs. */
  source?: 'workflow';
  workflowRunId?: string;
  workflowUrl?: string;
}

/** Filters of `/v2/events` and `/v2/logs`. */
export interface EventFilter {
  messageIds?: string[];
  state?: string;
  url?: string;
  topicName?: string;
  scheduleId?: string;
  queueName?: string;
  label?: string;
  fromDate?: number;
  toDate?: number;
}

/** A URL group. */
export interface Topic {
  name: string;
  endpoints: Array<{ url: string; name?: string }>;
  createdAt: number;
  updatedAt: number;
}

/** A queue's settings. */
export interface QueueRecord {
  name: string;
  parallelism: number;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A schedule: what to publish, when. */
export interface ScheduleRecord {
  id: string;
  cron: string;
  destination: string;
  spec: Omit<MessageSpec, 'url'>;
  body: Buffer;
  delayMs: number;
  paused: boolean;
  createdAt: number;
  nextAt: number;
  lastAt?: number;
}

interface ScheduleRow {
  id: string;
  cron: string;
  destination: string;
  spec: Omit<MessageSpec, 'url'>;
  body: Buffer;
  delay_ms: string;
  paused: boolean;
  created_at: string;
  next_at: string;
  last_at: string | null;
}

const fromScheduleRow = (row: ScheduleRow): ScheduleRecord => ({
  id: row.id,
  cron: row.cron,
  destination: row.destination,
  spec: row.spec,
  body: row.body,
  delayMs: Number(row.delay_ms),
  paused: row.paused,
  createdAt: Number(row.created_at),
  nextAt: Number(row.next_at),
  ...(row.last_at === null ? {} : { lastAt: Number(row.last_at) }),
});

function dlqWhere(filter: DlqFilter, values: unknown[]): string {
  const where: string[] = [];
  const add = (sql: (param: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (filter.dlqIds) add((p) => `dlq_id = any(${p}::text[])`, filter.dlqIds);
  if (filter.messageId) add((p) => `message_id = ${p}`, filter.messageId);
  for (const key of ['url', 'topicName', 'scheduleId', 'queueName', 'callerIp'] as const) {
    if (filter[key] !== undefined) add((p) => `spec->>'${key}' = ${p}`, filter[key]);
  }
  if (filter.flowControlKey)
    add((p) => `spec->'flowControl'->>'key' = ${p}`, filter.flowControlKey);
  if (filter.label) add((p) => `spec->'labels' ? ${p}`, filter.label);
  if (filter.responseStatus !== undefined)
    add((p) => `response_status = ${p}`, filter.responseStatus);
  if (filter.fromDate !== undefined) add((p) => `failed_at >= ${p}`, filter.fromDate);
  if (filter.toDate !== undefined) add((p) => `failed_at <= ${p}`, filter.toDate);
  if (filter.source === 'workflow') where.push(`spec ? 'workflow'`);
  if (filter.workflowRunId) add((p) => `spec->'workflow'->>'runId' = ${p}`, filter.workflowRunId);
  if (filter.workflowUrl) add((p) => `spec->'workflow'->>'url' = ${p}`, filter.workflowUrl);
  return where.length ? `where ${where.join(' and ')}` : '';
}

/** The Postgres side of the QStash server, in its own schema. */
export function createQstashStore(pool: pg.Pool, schema: string) {
  const s = schemaName(schema);
  const apply = createBatchApplier(pool, schema);
  return {
    apply: (batch: WriteBatch, signal?: AbortSignal) => apply(batch, signal),

    async loadPending(): Promise<PendingMessage[]> {
      const { rows } = await pool.query<MessageRow>(`select * from ${s}.messages order by seq`);
      return rows.map(fromMessageRow);
    },

    /** The highest sequence number used so far, so FIFO order survives a restart. */
    async lastSeq(): Promise<number> {
      const { rows } = await pool.query<{ seq: string | null }>(
        `select max(seq)::text as seq from ${s}.messages`,
      );
      return Number(rows[0]?.seq ?? 0);
    },

    /** The answers stored with deduplication keys (keys not held are left out). */
    async heldResponses(keys: readonly string[]): Promise<Map<string, unknown>> {
      const { rows } = await pool.query<{ key: string; response: unknown }>(
        `select key, response from ${s}.dedup where key = any($1::text[])`,
        [keys],
      );
      return new Map(rows.map((row) => [row.key, row.response]));
    },

    async listDlq(
      filter: DlqFilter,
      cursor: number | undefined,
      count: number,
    ): Promise<{ entries: DeadLetter[]; cursor?: string }> {
      const values: unknown[] = [];
      let where = dlqWhere(filter, values);
      if (cursor !== undefined) {
        values.push(cursor);
        where = `${where ? `${where} and` : 'where'} seq > $${values.length}`;
      }
      values.push(count + 1);
      const { rows } = await pool.query<DeadLetterRow>(
        `select * from ${s}.dlq ${where} order by seq limit $${values.length}`,
        values,
      );
      const entries = rows.slice(0, count).map(fromDeadLetterRow);
      return rows.length > count ? { entries, cursor: String(entries.at(-1)!.seq) } : { entries };
    },

    async deleteDlq(filter: DlqFilter, count?: number): Promise<number> {
      const values: unknown[] = [];
      const where = dlqWhere(filter, values);
      const limit = count === undefined ? '' : `limit ${Math.floor(count)}`;
      const result = await pool.query(
        `delete from ${s}.dlq where dlq_id in (select dlq_id from ${s}.dlq ${where} order by seq ${limit})`,
        values,
      );
      return result.rowCount ?? 0;
    },

    async listEvents(
      filter: EventFilter,
      cursor: number | undefined,
      count: number,
    ): Promise<{ events: EventRecord[]; cursor?: string }> {
      const values: unknown[] = [];
      const where: string[] = [];
      const add = (sql: (param: string) => string, value: unknown) => {
        values.push(value);
        where.push(sql(`$${values.length}`));
      };
      if (filter.messageIds) add((p) => `message_id = any(${p}::text[])`, filter.messageIds);
      if (filter.state) add((p) => `state = ${p}`, filter.state);
      for (const key of ['url', 'topicName', 'scheduleId', 'queueName'] as const) {
        if (filter[key] !== undefined) add((p) => `data->>'${key}' = ${p}`, filter[key]);
      }
      if (filter.label) add((p) => `data->'labels' ? ${p}`, filter.label);
      if (filter.fromDate !== undefined) add((p) => `time >= ${p}`, filter.fromDate);
      if (filter.toDate !== undefined) add((p) => `time <= ${p}`, filter.toDate);
      if (cursor !== undefined) add((p) => `seq < ${p}`, cursor);
      values.push(count + 1);
      const { rows } = await pool.query<{
        seq: string;
        time: string;
        state: EventRecord['state'];
        message_id: string;
        data: Record<string, unknown>;
      }>(
        `select * from ${s}.events ${where.length ? `where ${where.join(' and ')}` : ''}
         order by seq desc limit $${values.length}`,
        values,
      );
      const events = rows.slice(0, count).map((row) => ({
        time: Number(row.time),
        state: row.state,
        messageId: row.message_id,
        data: row.data,
      }));
      return rows.length > count ? { events, cursor: rows[count - 1]!.seq } : { events };
    },

    /** Drops log rows and expired deduplication keys older than `beforeMs`. */
    async prune(beforeMs: number, nowMs: number): Promise<void> {
      await pool.query(`delete from ${s}.events where time < $1`, [beforeMs]);
      await pool.query(`delete from ${s}.dedup where expires_at < $1`, [nowMs]);
    },

    async listTopics(): Promise<Topic[]> {
      const { rows } = await pool.query<{
        name: string;
        endpoints: Topic['endpoints'];
        created_at: string;
        updated_at: string;
      }>(`select * from ${s}.topics order by name`);
      return rows.map((row) => ({
        name: row.name,
        endpoints: row.endpoints,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      }));
    },

    async getTopic(name: string): Promise<Topic | undefined> {
      return (await this.listTopics()).find((topic) => topic.name === name);
    },

    async saveTopic(topic: Topic): Promise<void> {
      await pool.query(
        `insert into ${s}.topics (name, endpoints, created_at, updated_at) values ($1, $2, $3, $4)
         on conflict (name) do update set endpoints = excluded.endpoints, updated_at = excluded.updated_at`,
        [topic.name, JSON.stringify(topic.endpoints), topic.createdAt, topic.updatedAt],
      );
    },

    async deleteTopic(name: string): Promise<boolean> {
      const result = await pool.query(`delete from ${s}.topics where name = $1`, [name]);
      return result.rowCount === 1;
    },

    async listQueues(): Promise<QueueRecord[]> {
      const { rows } = await pool.query<{
        name: string;
        parallelism: number;
        paused: boolean;
        created_at: string;
        updated_at: string;
      }>(`select * from ${s}.queues order by name`);
      return rows.map((row) => ({
        name: row.name,
        parallelism: row.parallelism,
        paused: row.paused,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      }));
    },

    async saveQueue(queue: QueueRecord): Promise<void> {
      await pool.query(
        `insert into ${s}.queues (name, parallelism, paused, created_at, updated_at) values ($1, $2, $3, $4, $5)
         on conflict (name) do update set parallelism = excluded.parallelism, paused = excluded.paused,
           updated_at = excluded.updated_at`,
        [queue.name, queue.parallelism, queue.paused, queue.createdAt, queue.updatedAt],
      );
    },

    /** Creates a queue with QStash's defaults (parallelism 1) unless it exists. */
    async ensureQueue(name: string, nowMs: number): Promise<void> {
      await pool.query(
        `insert into ${s}.queues (name, parallelism, paused, created_at, updated_at)
         values ($1, 1, false, $2, $2) on conflict (name) do nothing`,
        [name, nowMs],
      );
    },

    async deleteQueue(name: string): Promise<boolean> {
      const result = await pool.query(`delete from ${s}.queues where name = $1`, [name]);
      return result.rowCount === 1;
    },

    async listSchedules(): Promise<ScheduleRecord[]> {
      const { rows } = await pool.query<ScheduleRow>(
        `select * from ${s}.schedules order by created_at, id`,
      );
      return rows.map(fromScheduleRow);
    },

    async saveSchedule(schedule: ScheduleRecord): Promise<void> {
      await pool.query(
        `insert into ${s}.schedules (id, cron, destination, spec, body, delay_ms, paused, created_at, next_at, last_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict (id) do update set cron = excluded.cron, destination = excluded.destination,
           spec = excluded.spec, body = excluded.body, delay_ms = excluded.delay_ms,
           paused = excluded.paused, next_at = excluded.next_at`,
        [
          schedule.id,
          schedule.cron,
          schedule.destination,
          JSON.stringify(schedule.spec),
          schedule.body,
          schedule.delayMs,
          schedule.paused,
          schedule.createdAt,
          schedule.nextAt,
          schedule.lastAt ?? null,
        ],
      );
    },

    async deleteSchedule(id: string): Promise<boolean> {
      const result = await pool.query(`delete from ${s}.schedules where id = $1`, [id]);
      return result.rowCount === 1;
    },

    async dropSchema(): Promise<void> {
      await pool.query(`drop schema if exists ${s} cascade`);
    },
  };
}

/** The store's interface. */
export type QstashStore = ReturnType<typeof createQstashStore>;

export type { DeadLetter };
