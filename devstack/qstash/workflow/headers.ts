import type { MessageSpec, WorkflowTag } from '../message.ts';
import type { Run, RunConfig } from './model.ts';

/** How a publish takes part in a workflow run, read from its Upstash-Workflow-* headers. */
export type WorkflowPublish =
  | { role: 'start'; runId: string; invoke: boolean }
  | { role: 'step'; runId: string }
  | { role: 'call'; runId: string };

/**
 * `Upstash-Workflow-RunId` marks a workflow message: with `Upstash-Workflow-Init: true` it starts
 * the run (`Upstash-Workflow-Invoke: true`: started by `context.invoke`), with
 * `Upstash-Workflow-CallType: toCallback` it is a `context.call` to a third party, and otherwise
 * it is the run's next step.
 */
export function workflowPublishOf(headers: Headers): WorkflowPublish | undefined {
  const runId = headers.get('upstash-workflow-runid');
  if (!runId) return undefined;
  if (headers.get('upstash-workflow-calltype') === 'toCallback') return { role: 'call', runId };
  if (headers.get('upstash-workflow-init') === 'true')
    return { role: 'start', runId, invoke: headers.get('upstash-workflow-invoke') === 'true' };
  return { role: 'step', runId };
}

/** The delivery settings a trigger gave explicitly; the run's later steps inherit them. */
export function runConfigOf(spec: Omit<MessageSpec, 'url'>, headers: Headers): RunConfig {
  return {
    ...(headers.has('upstash-retries') ? { retries: spec.maxRetries } : {}),
    ...(spec.retryDelay ? { retryDelay: spec.retryDelay } : {}),
    ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
    ...(spec.flowControl ? { flowControl: spec.flowControl } : {}),
    ...(spec.failureCallback ? { failureCallback: spec.failureCallback } : {}),
    ...(spec.failureCallbackOptions ? { failureCallbackOptions: spec.failureCallbackOptions } : {}),
  };
}

/** Gives a step the run's settings where its own publish left them out. */
export function applyRunConfig(spec: MessageSpec, config: RunConfig, headers: Headers): void {
  if (config.retries !== undefined && !headers.has('upstash-retries'))
    spec.maxRetries = config.retries;
  if (config.retryDelay && !spec.retryDelay) spec.retryDelay = config.retryDelay;
  if (config.timeoutMs && !spec.timeoutMs) spec.timeoutMs = config.timeoutMs;
  if (config.flowControl && !spec.flowControl) spec.flowControl = config.flowControl;
  if (config.failureCallback && !spec.failureCallback) {
    spec.failureCallback = config.failureCallback;
    if (config.failureCallbackOptions) spec.failureCallbackOptions = config.failureCallbackOptions;
  }
}

/**
 * The trigger's own forwarded headers: what the route function sees as `context.headers` on every
 * step. The SDK's protocol headers (`Upstash-Workflow-*`) and the content type stay per message.
 */
export function userHeadersOf(forwarded: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(forwarded).filter(([name]) => {
      const lower = name.toLowerCase();
      return lower !== 'content-type' && !lower.startsWith('upstash-workflow-');
    }),
  );
}

/** What QStash adds to a delivery of a run's message to the workflow endpoint. */
export function runHeaders(run: Pick<Run, 'id' | 'url' | 'createdAt' | 'labels'>) {
  return {
    'Upstash-Workflow-RunId': run.id,
    'Upstash-Workflow-Url': run.url,
    'Upstash-Workflow-CreatedAt': String(run.createdAt),
    ...(run.labels?.length ? { 'Upstash-Label': run.labels.join(',') } : {}),
  };
}

/** The headers of a delivery to the workflow endpoint: the run's user headers, the message's own. */
export function deliveryHeaders(
  run: Pick<Run, 'id' | 'url' | 'createdAt' | 'labels' | 'userHeaders'>,
  forwarded: Record<string, string>,
): Record<string, string> {
  return { ...run.userHeaders, ...forwarded, ...runHeaders(run) };
}

/** The tag of a run's message. */
export function tagOf(run: Pick<Run, 'id' | 'url' | 'createdAt'>, role: WorkflowTag['role']) {
  return { runId: run.id, createdAt: run.createdAt, url: run.url, role } satisfies WorkflowTag;
}
