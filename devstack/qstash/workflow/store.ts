import type pg from 'pg';
import { schemaName } from '../store/schema.ts';
import type { Lookback, Run, RunState, StoredStep, Waiter } from './model.ts';
import type { RunDoc } from './sql.ts';

interface RunRecord {
  id: string;
  url: string;
  state: RunState;
  created_at: string;
  completed_at: string | null;
  doc: RunDoc;
}

interface StepRecord {
  run_id: string;
  idx: number;
  message_id: string;
  body: Buffer;
  created_at: string;
}

const runOf = (row: RunRecord, steps: StoredStep[]): Run => ({
  id: row.id,
  url: row.url,
  createdAt: Number(row.created_at),
  state: row.state,
  ...(row.completed_at === null ? {} : { completedAt: Number(row.completed_at) }),
  ...(row.doc.result !== undefined ? { result: row.doc.result } : {}),
  ...(row.doc.labels ? { labels: row.doc.labels } : {}),
  userHeaders: row.doc.userHeaders,
  config: row.doc.config,
  ...(row.doc.invoker ? { invoker: row.doc.invoker } : {}),
  ...(row.doc.dlqId ? { dlqId: row.doc.dlqId } : {}),
  steps,
});

/** Filters of the run log (`GET /v2/workflows/events`). */
export interface RunFilter {
  workflowRunId?: string;
  workflowUrl?: string;
  state?: string;
  label?: string;
  fromDate?: number;
  toDate?: number;
}

/** The Postgres side of workflow runs, in the server's schema. */
export function createWorkflowStore(pool: pg.Pool, schema: string) {
  const s = schemaName(schema);

  const withSteps = async (rows: RunRecord[]): Promise<Run[]> => {
    if (rows.length === 0) return [];
    const { rows: steps } = await pool.query<StepRecord>(
      `select * from ${s}.workflow_steps where run_id = any($1::text[]) order by run_id, idx`,
      [rows.map((row) => row.id)],
    );
    const byRun = new Map<string, StoredStep[]>();
    for (const step of steps) {
      const list = byRun.get(step.run_id) ?? [];
      list.push({
        messageId: step.message_id,
        body: step.body,
        createdAt: Number(step.created_at),
      });
      byRun.set(step.run_id, list);
    }
    return rows.map((row) => runOf(row, byRun.get(row.id) ?? []));
  };

  return {
    /** Runs still going, their waiters and kept notifications: what a restart resumes. */
    async loadActive(): Promise<{ runs: Run[]; waiters: Waiter[]; lookbacks: Lookback[] }> {
      const [{ rows }, { rows: waiters }, { rows: lookbacks }] = await Promise.all([
        pool.query<RunRecord>(`select * from ${s}.workflow_runs where state = 'RUN_STARTED'`),
        pool.query<{ doc: Waiter }>(`select doc from ${s}.workflow_waiters`),
        pool.query<{
          id: string;
          run_id: string;
          event_id: string;
          data: Buffer;
          created_at: string;
        }>(`select * from ${s}.workflow_lookbacks order by created_at`),
      ]);
      const runs = await withSteps(rows);
      return {
        runs,
        waiters: waiters.map((row) => row.doc),
        lookbacks: lookbacks.map((row) => ({
          id: row.id,
          runId: row.run_id,
          eventId: row.event_id,
          data: row.data,
          createdAt: Number(row.created_at),
        })),
      };
    },

    /** Whether a run with this id was ever stored (and not pruned). */
    async exists(id: string): Promise<boolean> {
      const { rowCount } = await pool.query(`select 1 from ${s}.workflow_runs where id = $1`, [id]);
      return (rowCount ?? 0) > 0;
    },

    /** Runs matching `filter`, newest first, with their steps. */
    async listRuns(filter: RunFilter, offset: number, count: number): Promise<Run[]> {
      const values: unknown[] = [];
      const where: string[] = [];
      const add = (sql: (param: string) => string, value: unknown) => {
        values.push(value);
        where.push(sql(`$${values.length}`));
      };
      if (filter.workflowRunId) add((p) => `id = ${p}`, filter.workflowRunId);
      if (filter.workflowUrl) add((p) => `url = ${p}`, filter.workflowUrl);
      if (filter.state) add((p) => `state = ${p}`, filter.state);
      if (filter.label) add((p) => `doc->'labels' ? ${p}`, filter.label);
      if (filter.fromDate !== undefined) add((p) => `created_at >= ${p}`, filter.fromDate);
      if (filter.toDate !== undefined) add((p) => `created_at <= ${p}`, filter.toDate);
      values.push(count, offset);
      const { rows } = await pool.query<RunRecord>(
        `select * from ${s}.workflow_runs ${where.length ? `where ${where.join(' and ')}` : ''}
         order by created_at desc, id limit $${values.length - 1} offset $${values.length}`,
        values,
      );
      return withSteps(rows);
    },

    /** Drops runs that ended before `beforeMs`, with their steps. */
    async prune(beforeMs: number): Promise<void> {
      await pool.query(
        `with gone as (delete from ${s}.workflow_runs
           where state <> 'RUN_STARTED' and completed_at < $1 returning id)
         delete from ${s}.workflow_steps where run_id in (select id from gone)`,
        [beforeMs],
      );
    },
  };
}

/** The workflow store's interface. */
export type WorkflowStore = ReturnType<typeof createWorkflowStore>;
