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
import { rawStepsBody, type Invoker, type Run } from './model.ts';
import { runRow, type StepRow } from './sql.ts';
import type { WorkflowStore } from './store.ts';

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

/** The error for a publish into a run that is no longer in progress. */
export const inactive = (runId: string) =>
  badInput(`workflow run ${runId} is not running (it finished, failed or was cancelled)`);

/** Changes made under the runs' locks, kept aside until their write commits. */
export class Draft {
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

/** Makes `message` the run's next step, delivered with every step so far. */
export function appendStep(
  draft: Draft,
  run: Run,
  message: PendingMessage,
  headers: Headers,
  now: () => number,
) {
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

function startRun(
  draft: Draft,
  item: RunPublish & { workflow: WorkflowPublish },
  now: () => number,
): Run {
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
  appendStep(draft, run, message, item.headers ?? new Headers(), now);
  message.spec.workflow = { ...tagOf(run, 'step'), trigger: true };
  return run;
}

/**
 * Admits a publish into its run inside `draft`: a start begins the run (or is a duplicate of one
 * that exists), a step is appended, a `context.call` is tagged so its answer comes back to the run.
 */
async function admitPublish(
  draft: Draft,
  item: RunPublish & { workflow: WorkflowPublish },
  { store, now }: { store: WorkflowStore; now: () => number },
) {
  const { workflow } = item;
  if (workflow.role === 'start') {
    const existing = draft.get(workflow.runId);
    if (existing || (await store.exists(workflow.runId))) {
      const first = existing?.steps[0]?.messageId ?? item.messages[0]?.id;
      return {
        duplicate: { messageId: first, url: item.messages[0]?.spec.url, deduplicated: true },
      };
    }
    startRun(draft, item, now);
    return {};
  }
  const run = draft.get(workflow.runId);
  if (!run) throw inactive(workflow.runId);
  if (workflow.role === 'step') {
    const [message] = item.messages;
    if (!message || item.messages.length !== 1)
      throw badInput('a workflow step goes to the workflow URL, not a URL group');
    appendStep(draft, run, message, item.headers ?? new Headers(), now);
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

/** Admits each publish that belongs to a run; returns those to write and the duplicates' answers. */
export async function admitPublishes<T extends RunPublish>(
  draft: Draft,
  items: readonly T[],
  deps: { store: WorkflowStore; now: () => number },
): Promise<{ kept: T[]; duplicates: Map<T, unknown> }> {
  const duplicates = new Map<T, unknown>();
  const kept: T[] = [];
  for (const item of items) {
    if (!item.workflow) {
      kept.push(item);
      continue;
    }
    const { duplicate } = await admitPublish(draft, { ...item, workflow: item.workflow }, deps);
    if (duplicate) duplicates.set(item, duplicate);
    else kept.push(item);
  }
  return { kept, duplicates };
}

/** The message of a step QStash publishes itself into a run, read from its publish headers. */
export function internalMessage(
  publish: InternalPublish,
  limits: PublishLimits,
  at: number,
  nextSeq: () => number,
): PendingMessage {
  const options = parsePublishHeaders(publish.headers, limits, at);
  const dueAt = firstDueAt(options, at);
  return {
    id: messageId(),
    seq: nextSeq(),
    spec: { ...options.template, url: publish.url },
    body: publish.body,
    dueAt,
    retried: 0,
    createdAt: at,
    notBefore: dueAt,
  };
}

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
