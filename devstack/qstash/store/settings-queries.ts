import type pg from 'pg';
import type { MessageSpec } from '../message.ts';

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

/** URL groups; `s` is the quoted schema name. */
export function topicQueries(pool: pg.Pool, s: string) {
  async function listTopics(): Promise<Topic[]> {
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
  }

  return {
    listTopics,

    async getTopic(name: string): Promise<Topic | undefined> {
      return (await listTopics()).find((topic) => topic.name === name);
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
  };
}

/** Queues' settings. */
export function queueQueries(pool: pg.Pool, s: string) {
  return {
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
  };
}

/** Schedules. */
export function scheduleQueries(pool: pg.Pool, s: string) {
  return {
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
  };
}
