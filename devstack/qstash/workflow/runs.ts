import type { DeliveryEngine } from '../delivery/engine.ts';
import type { PublishLimits } from '../publish-headers.ts';
import type { WriteBatch } from '../store/write-batch.ts';
import { createKeyedLock } from './keyed-lock.ts';
import type { Run, RunState } from './model.ts';
import {
  admitPublishes,
  appendStep,
  Draft,
  inactive,
  internalMessage,
  type InternalPublish,
  type RunPublish,
} from './run-admission.ts';
import { runRow } from './sql.ts';
import type { WorkflowStore } from './store.ts';

export type { InternalPublish, RunPublish } from './run-admission.ts';

/** What the run registry needs. */
export interface RunRegistryOptions {
  store: WorkflowStore;
  engine: DeliveryEngine;
  now: () => number;
  limits: PublishLimits;
}

/**
 * The runs in progress, in memory over their rows. Each publish into a run appends its step under
 * the run's lock, and its delivery body becomes every step so far (the SDK's raw steps), so a
 * parallel branch sees exactly the steps before it.
 */
export function createRunRegistry({ store, engine, now, limits }: RunRegistryOptions) {
  const active = new Map<string, Run>();
  const lock = createKeyedLock();

  return {
    lock,

    /** The run if it is in progress. */
    active: (runId: string): Run | undefined => active.get(runId),

    /** Runs in progress, oldest first. */
    list: (): Run[] => [...active.values()].sort((a, b) => a.createdAt - b.createdAt),

    /** Takes back the runs a previous start left in progress. */
    load(runs: readonly Run[]): void {
      for (const run of runs) active.set(run.id, run);
    },

    /**
     * Stores publishes of which some belong to runs: starts and steps are admitted under the runs'
     * locks and written with the run state they change (`write` writes `kept`, the publishes not
     * deduplicated, with `extra`); a start of a run that exists answers `deduplicated: true`.
     */
    async commitPublishes<T extends RunPublish>(
      items: readonly T[],
      write: (kept: T[], extra: Partial<WriteBatch>) => Promise<unknown[]>,
    ): Promise<unknown[]> {
      const runIds = items.flatMap((item) => (item.workflow ? [item.workflow.runId] : []));
      return lock.run(runIds, async () => {
        const draft = new Draft(active);
        const { kept, duplicates } = await admitPublishes(draft, items, { store, now });
        const written = await write(kept, draft.rows);
        draft.commit();
        const responses = new Map(kept.map((item, index) => [item, written[index]]));
        return items.map((item) =>
          duplicates.has(item) ? duplicates.get(item) : responses.get(item),
        );
      });
    },

    /**
     * Publishes a step QStash makes itself into a run in progress, written with `extra`; the caller
     * holds the run's lock. Returns the message id.
     */
    async appendLocked(
      runId: string,
      publish: InternalPublish,
      extra: Partial<WriteBatch> = {},
    ): Promise<string> {
      const draft = new Draft(active);
      const run = draft.get(runId);
      if (!run) throw inactive(runId);
      const message = internalMessage(publish, limits, now(), engine.nextSeq);
      appendStep(draft, run, message, publish.headers, now);
      await engine.accept([message], [], { ...extra, ...draft.rows });
      draft.commit();
      return message.id;
    },

    /**
     * Ends a run in progress (the caller holds its lock): its pending messages are cancelled and
     * its new state is written with `extra`. Returns the ended run, or undefined if it was not in
     * progress.
     */
    async endLocked(
      runId: string,
      state: Exclude<RunState, 'RUN_STARTED'>,
      detail: { result?: string; dlqId?: string },
      extra: Partial<WriteBatch> = {},
    ): Promise<Run | undefined> {
      const run = active.get(runId);
      if (!run) return undefined;
      const ended: Run = {
        ...run,
        state,
        completedAt: now(),
        ...(detail.result !== undefined ? { result: detail.result } : {}),
        ...(detail.dlqId ? { dlqId: detail.dlqId } : {}),
      };
      const pending = engine.list((message) => message.spec.workflow?.runId === runId);
      await engine.cancel(
        pending.map((message) => message.id),
        { ...extra, workflowRuns: [runRow(ended)] },
      );
      active.delete(runId);
      return ended;
    },
  };
}

/** The run registry's interface. */
export type RunRegistry = ReturnType<typeof createRunRegistry>;
