import type { Invoker, Lookback, Run, RunConfig, RunState, StoredStep, Waiter } from './model.ts';

/** A run's row: what changes when it starts or ends (its steps are rows of their own). */
export interface RunRow {
  id: string;
  url: string;
  state: RunState;
  createdAt: number;
  completedAt?: number;
  doc: RunDoc;
}

/** The run's fields kept as one JSON document. */
export interface RunDoc {
  userHeaders: Record<string, string>;
  config: RunConfig;
  labels?: string[];
  invoker?: Invoker;
  result?: string;
  dlqId?: string;
}

/** A step appended to a run. */
export interface StepRow {
  runId: string;
  /** 0 for the trigger's payload. */
  idx: number;
  step: StoredStep;
}

/** The workflow part of a write batch, committed with the messages it goes with. */
export interface WorkflowWrites {
  workflowRuns: RunRow[];
  workflowSteps: StepRow[];
  waiters: Waiter[];
  waiterDeletes: string[];
  lookbacks: Lookback[];
  lookbackDeletes: string[];
}

/** The row of `run`. */
export function runRow(run: Run): RunRow {
  const doc: RunDoc = {
    userHeaders: run.userHeaders,
    config: run.config,
    ...(run.labels ? { labels: run.labels } : {}),
    ...(run.invoker ? { invoker: run.invoker } : {}),
    ...(run.result !== undefined ? { result: run.result } : {}),
    ...(run.dlqId ? { dlqId: run.dlqId } : {}),
  };
  return {
    id: run.id,
    url: run.url,
    state: run.state,
    createdAt: run.createdAt,
    ...(run.completedAt !== undefined ? { completedAt: run.completedAt } : {}),
    doc,
  };
}

/** The workflow tables in the quoted schema `s`, created with the server's others. */
export function workflowTables(s: string): string {
  return `
    create table if not exists ${s}.workflow_runs (
      id text primary key,
      url text not null,
      state text not null,
      created_at bigint not null,
      completed_at bigint,
      doc jsonb not null
    );
    create index if not exists workflow_runs_active on ${s}.workflow_runs (state)
      where state = 'RUN_STARTED';
    create table if not exists ${s}.workflow_steps (
      run_id text not null,
      idx int not null,
      message_id text not null,
      body bytea not null,
      created_at bigint not null,
      primary key (run_id, idx)
    );
    create table if not exists ${s}.workflow_waiters (
      id text primary key,
      run_id text not null,
      event_id text not null,
      deadline bigint not null,
      doc jsonb not null
    );
    create table if not exists ${s}.workflow_lookbacks (
      id text primary key,
      run_id text not null,
      event_id text not null,
      data bytea not null,
      created_at bigint not null
    );`;
}

/**
 * The write statement's data-modifying CTEs for workflow state in the quoted schema `s`, numbering parameters from
 * `first`; see `workflowParams` for their order.
 */
export function workflowCtes(s: string, first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `
    wruns as (insert into ${s}.workflow_runs (id, url, state, created_at, completed_at, doc)
      select * from unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::bigint[], ${p(4)}::bigint[], ${p(5)}::jsonb[])
      on conflict (id) do update set state = excluded.state, completed_at = excluded.completed_at,
        doc = excluded.doc),
    wsteps as (insert into ${s}.workflow_steps (run_id, idx, message_id, body, created_at)
      select * from unnest(${p(6)}::text[], ${p(7)}::int[], ${p(8)}::text[], ${p(9)}::bytea[], ${p(10)}::bigint[])),
    wwait as (insert into ${s}.workflow_waiters (id, run_id, event_id, deadline, doc)
      select * from unnest(${p(11)}::text[], ${p(12)}::text[], ${p(13)}::text[], ${p(14)}::bigint[], ${p(15)}::jsonb[])),
    wunwait as (delete from ${s}.workflow_waiters where id = any(${p(16)}::text[])),
    wlook as (insert into ${s}.workflow_lookbacks (id, run_id, event_id, data, created_at)
      select * from unnest(${p(17)}::text[], ${p(18)}::text[], ${p(19)}::text[], ${p(20)}::bytea[], ${p(21)}::bigint[])),
    wunlook as (delete from ${s}.workflow_lookbacks where id = any(${p(22)}::text[]))`;
}

/** The parameters of `workflowCtes`; a run changed twice in one batch is written once, last wins. */
export function workflowParams(batch: WorkflowWrites): unknown[] {
  const runs = [...new Map(batch.workflowRuns.map((row) => [row.id, row])).values()];
  const { workflowSteps: steps, waiters, lookbacks } = batch;
  return [
    runs.map((r) => r.id),
    runs.map((r) => r.url),
    runs.map((r) => r.state),
    runs.map((r) => r.createdAt),
    runs.map((r) => r.completedAt ?? null),
    runs.map((r) => JSON.stringify(r.doc)),
    steps.map((row) => row.runId),
    steps.map((row) => row.idx),
    steps.map((row) => row.step.messageId),
    steps.map((row) => row.step.body),
    steps.map((row) => row.step.createdAt),
    waiters.map((w) => w.id),
    waiters.map((w) => w.runId),
    waiters.map((w) => w.eventId),
    waiters.map((w) => w.deadline),
    waiters.map((w) => JSON.stringify(w)),
    batch.waiterDeletes,
    lookbacks.map((l) => l.id),
    lookbacks.map((l) => l.runId),
    lookbacks.map((l) => l.eventId),
    lookbacks.map((l) => l.data),
    lookbacks.map((l) => l.createdAt),
    batch.lookbackDeletes,
  ];
}
