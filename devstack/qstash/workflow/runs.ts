import type { DeliveryEngine } from '../delivery/engine.ts';
import { messageId } from '../ids.ts';
import { badInput } from '../input-error.ts';
import type { PendingMessage } from '../message.ts';
import { firstDueAt, parsePublishHeaders, type PublishLimits } from '../publish-headers.ts';
import type { WriteBatch } from '../store/write-batch.ts';
import {
  applyRunConfig,
  deliveryHeaders,
  runConfigOf,
  runHeaders,
  tagOf,
  userHeadersOf,
  type WorkflowPublish,
} from './headers.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { rawStepsBody, type Invoker, type Run, type RunState } from './model.ts';
import { runRow, type StepRow } from './sql.ts';
import type { WorkflowStore } from './store.ts';

/** What the run registry needs. */
export interface RunRegistryOptions {
  store: WorkflowStore;
  engine: DeliveryEngine;
  now: () => number;
  limits: PublishLimits;
}

/** A publish as the API prepared it; `workflow` is set when it belongs to a run. */
export interface RunPublish {
  workflow?: WorkflowPublish;
  headers?: Headers;
  messages: PendingMessage[];
  response: unknown;
}

/** A message QStash itself publishes into a run (an event, a timeout, an invoke's result). */
export interface InternalPublish {
  url: string;
  headers: Headers;
  body: Buffer;
}

const inactive = (runId: string) =>
  badInput(`workflow run ${runId} is not running (it finished, failed or was cancelled)`);

/** Changes made under the runs' locks, kept aside until their write commits. */
class Draft {
  readonly runs = new Map<string, Run>();
  readonly rows: Partial<WriteBatch> & { workflowSteps: StepRow[] } = { workflowSteps: [] };
  constructor(private readonly active: Map<string, Run>) {}
  get(runId: string): Run | undefined {
    const changed = this.runs.get(runId);
    if (changed) return changed;
    const run = this.active.get(runId);
    if (!run) return undefined;
    const copy = { ...run, steps: [...run.steps] };
    this.runs.set(runId, copy);
    return copy;
  }
  commit(): void {
    for (const [id, run] of this.runs) this.active.set(id, run);
  }
}

/**
 * The runs in progress, in memory over their rows. Each publish into a run appends its step under
 * the run's lock, and its delivery body becomes every step so far (the SDK's raw steps), so a
 * parallel branch sees exactly the steps before it.
 */
export function createRunRegistry({ store, engine, now, limits }: RunRegistryOptions) {
  const active = new Map<string, Run>();
  const lock = createKeyedLock();

  /** Makes `message` the run's next step, delivered with every step so far. */
  function appendStep(draft: Draft, run: Run, message: PendingMessage, headers: Headers) {
    const step = { messageId: message.id, body: message.body, createdAt: now() };
    run.steps.push(step);
    draft.rows.workflowSteps.push({ runId: run.id, idx: run.steps.length - 1, step });
    message.body = rawStepsBody(run.steps);
    const spec = message.spec;
    spec.headers = deliveryHeaders(run, spec.headers);
    applyRunConfig(spec, run.config, headers);
    if (!spec.labels && run.labels) spec.labels = run.labels;
    spec.workflow = tagOf(run, 'step');
  }

  function startRun(draft: Draft, item: RunPublish & { workflow: WorkflowPublish }): Run {
    const [message] = item.messages;
    if (!message || item.messages.length !== 1)
      throw badInput('a workflow run starts at one URL, not a URL group');
    const at = now();
    let initial = message.body;
    let invoker: Invoker | undefined;
    if (item.workflow.role === 'start' && item.workflow.invoke) {
      const request = parseInvoke(message.body);
      initial = Buffer.from(request.body ?? '', 'utf8');
      invoker = request.invoker;
    }
    const spec = message.spec;
    const identity = { id: item.workflow.runId, url: spec.url, createdAt: at };
    if (spec.failureCallback) {
      const options = spec.failureCallbackOptions ?? { headers: {} };
      spec.failureCallbackOptions = {
        ...options,
        headers: {
          ...options.headers,
          ...runHeaders({ ...identity, ...(spec.labels ? { labels: spec.labels } : {}) }),
          'Upstash-Workflow-CallType': 'failureCall',
        },
      };
    }
    const run: Run = {
      ...identity,
      state: 'RUN_STARTED',
      ...(spec.labels ? { labels: spec.labels } : {}),
      userHeaders: userHeadersOf(spec.headers),
      config: runConfigOf(spec, item.headers ?? new Headers()),
      ...(invoker ? { invoker } : {}),
      steps: [],
    };
    draft.runs.set(run.id, run);
    (draft.rows.workflowRuns ??= []).push(runRow(run));
    message.body = initial;
    appendStep(draft, run, message, item.headers ?? new Headers());
    message.spec.workflow = { ...tagOf(run, 'step'), trigger: true };
    return run;
  }

  async function admit(draft: Draft, item: RunPublish & { workflow: WorkflowPublish }) {
    const { workflow } = item;
    if (workflow.role === 'start') {
      const existing = draft.get(workflow.runId);
      if (existing || (await store.exists(workflow.runId))) {
        const first = existing?.steps[0]?.messageId ?? item.messages[0]?.id;
        return {
          duplicate: { messageId: first, url: item.messages[0]?.spec.url, deduplicated: true },
        };
      }
      startRun(draft, item);
      return {};
    }
    const run = draft.get(workflow.runId);
    if (!run) throw inactive(workflow.runId);
    if (workflow.role === 'step') {
      const [message] = item.messages;
      if (!message || item.messages.length !== 1)
        throw badInput('a workflow step goes to the workflow URL, not a URL group');
      appendStep(draft, run, message, item.headers ?? new Headers());
      return {};
    }
    for (const message of item.messages) {
      message.spec.workflow = tagOf(run, 'call');
      if (!message.spec.callback) continue;
      const options = message.spec.callbackOptions ?? { headers: {} };
      message.spec.callbackOptions = {
        ...options,
        headers: {
          ...deliveryHeaders(run, options.headers),
          'Upstash-Workflow-CallType': 'fromCallback',
        },
        workflow: tagOf(run, 'callback'),
      };
    }
    return {};
  }

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
        const duplicates = new Map<T, unknown>();
        const kept: T[] = [];
        for (const item of items) {
          if (!item.workflow) {
            kept.push(item);
            continue;
          }
          const { duplicate } = await admit(draft, { ...item, workflow: item.workflow });
          if (duplicate) duplicates.set(item, duplicate);
          else kept.push(item);
        }
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
      const at = now();
      const options = parsePublishHeaders(publish.headers, limits, at);
      const dueAt = firstDueAt(options, at);
      const message: PendingMessage = {
        id: messageId(),
        seq: engine.nextSeq(),
        spec: { ...options.template, url: publish.url },
        body: publish.body,
        dueAt,
        retried: 0,
        createdAt: at,
        notBefore: dueAt,
      };
      appendStep(draft, run, message, publish.headers);
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

/** The body `context.invoke` publishes: the invoked run's payload and how to answer the invoker. */
function parseInvoke(body: Buffer): { body?: string; invoker: Invoker } {
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw badInput('an invoke (Upstash-Workflow-Invoke: true) needs a JSON body');
  }
  const { workflowRunId, workflowRunCreatedAt, workflowUrl, headers, step } = request;
  if (typeof workflowRunId !== 'string' || typeof workflowUrl !== 'string' || !step)
    throw badInput('an invoke body needs workflowRunId, workflowUrl and step');
  return {
    ...(typeof request.body === 'string' ? { body: request.body } : {}),
    invoker: {
      runId: workflowRunId,
      createdAt: Number(workflowRunCreatedAt ?? 0),
      url: workflowUrl,
      headers: (headers ?? {}) as Record<string, string[]>,
      step: step as Record<string, unknown>,
    },
  };
}
