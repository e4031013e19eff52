import type pg from 'pg';
import type { EventRecord } from '../events.ts';
import type { DeadLetter, PendingMessage } from '../message.ts';
import { fromDeadLetterRow, fromMessageRow, type DeadLetterRow, type MessageRow } from './rows.ts';

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

/** Pending messages, held deduplication answers and pruning; `s` is the quoted schema name. */
export function messageQueries(pool: pg.Pool, s: string) {
  return {
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

    /** Drops log rows and expired deduplication keys older than `beforeMs`. */
    async prune(beforeMs: number, nowMs: number): Promise<void> {
      await pool.query(`delete from ${s}.events where time < $1`, [beforeMs]);
      await pool.query(`delete from ${s}.dedup where expires_at < $1`, [nowMs]);
    },
  };
}

/** The DLQ listing and bulk delete. */
export function deadLetterQueries(pool: pg.Pool, s: string) {
  return {
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
  };
}

/** The event log behind `/v2/events` and `/v2/logs`. */
export function eventQueries(pool: pg.Pool, s: string) {
  return {
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
  };
}
