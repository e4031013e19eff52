import type { DeliveryEngine } from '../delivery/engine.ts';
import type { DeadLetter } from '../message.ts';
import type { PublishLimits } from '../publish-headers.ts';
import type { WriteBatch, WriteBatcher } from '../store/write-batch.ts';
import { runLog } from './logs.ts';
import { headersOfLists, rawStepsBody, type Run, type RunState } from './model.ts';
import { createRunRegistry, type RunPublish, type RunRegistry } from './runs.ts';
import type { RunFilter, WorkflowStore } from './store.ts';
import { createWaiterRegistry, type WaiterRegistry } from './waiters.ts';

/** What the workflow side of the server needs. */
export interface WorkflowsOptions {
  store: WorkflowStore;
  engine: DeliveryEngine;
  writer: WriteBatcher;
  now: () => number;
  limits: PublishLimits;
  log: (line: string) => void;
}

/** Which runs a bulk cancel takes (`DELETE /v2/workflows/runs`). */
export interface CancelFilter {
  workflowRunIds?: string[];
  workflowUrl?: string;
  /** The URL must match exactly rather than as a prefix. */
  workflowUrlExactMatch?: boolean;
  label?: string;
  fromDate?: number;
  toDate?: number;
  count?: number;
}

/**
 * Upstash Workflow on top of the QStash server: runs (their steps, end and cancel), waits and
 * notifies, and the run log. Messages of a run are ordinary QStash messages tagged with it.
 */
export function createWorkflows(options: WorkflowsOptions) {
  const { store, now, log } = options;
  const runs = createRunRegistry(options);
  const waiters = createWaiterRegistry({ runs, writer: options.writer, now, log });

  /**
   * Ends a run: `ended`, or `ended-before` when it had already finished, failed or been
   * cancelled, or `unknown`.
   */
  async function end(
    runId: string,
    state: Exclude<RunState, 'RUN_STARTED'>,
    detail: { result?: string; dlqId?: string } = {},
  ): Promise<'ended' | 'ended-before' | 'unknown'> {
    const ended = await runs.lock.run([runId], async () => {
      if (!runs.active(runId)) return undefined;
      const run = await runs.endLocked(runId, state, detail, waiters.ofRun(runId));
      waiters.forgetRun(runId);
      return run;
    });
    if (!ended) return (await store.exists(runId)) ? 'ended-before' : 'unknown';
    void answerInvoker(runs, ended).catch((error: unknown) =>
      log(`qstash: answering the invoker of ${runId} failed: ${(error as Error).message}`),
    );
    return 'ended';
  }

  return {
    /** Takes back the runs, waiters and kept notifications a previous start left. */
    async start(): Promise<void> {
      const saved = await store.loadActive();
      runs.load(saved.runs);
      waiters.load(saved);
      if (saved.runs.length > 0) log(`qstash: resuming ${saved.runs.length} workflow run(s)`);
    },

    commitPublishes: <T extends RunPublish>(
      items: readonly T[],
      write: (kept: T[], extra: Partial<WriteBatch>) => Promise<unknown[]>,
    ) => runs.commitPublishes(items, write),
    end,

    /** Cancels the runs in progress that match; returns how many. */
    async cancelMatching(filter: CancelFilter): Promise<number> {
      const ids = filter.workflowRunIds ? new Set(filter.workflowRunIds) : undefined;
      let chosen = runs.list().filter((run) => cancelFilterMatches(filter, ids, run));
      if (filter.count !== undefined) chosen = chosen.slice(0, filter.count);
      let cancelled = 0;
      for (const run of chosen) if ((await end(run.id, 'RUN_CANCELED')) === 'ended') cancelled += 1;
      return cancelled;
    },

    /** The raw steps of a run in progress (the SDK's lazy fetch), or undefined. */
    steps(runId: string): Buffer | undefined {
      const run = runs.active(runId);
      return run ? rawStepsBody(run.steps) : undefined;
    },

    wait: (...args: Parameters<WaiterRegistry['wait']>) => waiters.wait(...args),
    notify: (...args: Parameters<WaiterRegistry['notify']>) => waiters.notify(...args),
    waitersOf: (eventId: string) => waiters.list(eventId),

    /** A run's message failed for good: the run fails (its failure callback was published). */
    onDeadLetter(dead: DeadLetter): void {
      const workflow = dead.spec.workflow;
      if (!workflow || workflow.role === 'call') return;
      void end(workflow.runId, 'RUN_FAILED', { dlqId: dead.dlqId }).catch((error: unknown) =>
        log(`qstash: failing workflow run ${workflow.runId} failed: ${(error as Error).message}`),
      );
    },

    /** The run log, newest first. */
    async logs(filter: RunFilter, offset: number, count: number) {
      const found = await store.listRuns(filter, offset, count + 1);
      const page = found.slice(0, count).map(runLog);
      return found.length > count ? { runs: page, cursor: String(offset + count) } : { runs: page };
    },

    prune: (beforeMs: number) => store.prune(beforeMs),

    close(): void {
      waiters.close();
    },
  };
}

/** The workflow side's interface. */
export type Workflows = ReturnType<typeof createWorkflows>;

/** Publishes an ended run's outcome as the result of the invoker's `context.invoke` step. */
async function answerInvoker(runs: RunRegistry, run: Run): Promise<void> {
  const invoker = run.invoker;
  if (!invoker) return;
  const out = JSON.stringify({
    ...(run.result !== undefined ? { body: run.result } : {}),
    isFailed: run.state === 'RUN_FAILED',
    isCanceled: run.state === 'RUN_CANCELED',
  });
  const body = Buffer.from(JSON.stringify({ ...invoker.step, out }));
  await runs.lock.run([invoker.runId], async () => {
    if (!runs.active(invoker.runId)) return;
    await runs.appendLocked(invoker.runId, {
      url: invoker.url,
      headers: headersOfLists(invoker.headers),
      body,
    });
  });
}

function cancelFilterMatches(
  filter: CancelFilter,
  ids: Set<string> | undefined,
  run: Run,
): boolean {
  return (
    (!ids || ids.has(run.id)) &&
    (!filter.workflowUrl ||
      (filter.workflowUrlExactMatch
        ? run.url === filter.workflowUrl
        : run.url.startsWith(filter.workflowUrl))) &&
    (!filter.label || (run.labels ?? []).includes(filter.label)) &&
    (filter.fromDate === undefined || run.createdAt >= filter.fromDate) &&
    (filter.toDate === undefined || run.createdAt <= filter.toDate)
  );
}
