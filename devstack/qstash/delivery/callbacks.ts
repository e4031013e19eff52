import { messageId } from '../ids.ts';
import { headerLists, type CallbackOptions, type PendingMessage } from '../message.ts';
import { initialPayloadBase64 } from '../workflow/model.ts';
import type { AttemptResult } from './outcome.ts';

/**
 * The JSON QStash POSTs to a callback or failure callback (PROTOCOLS §2.4). For a workflow step
 * it also names the run, and `sourceBody` is the trigger's payload (what a failure function gets
 * as the run's request payload).
 */
export function callbackBody(
  source: PendingMessage,
  result: AttemptResult,
  dlqId?: string,
): Record<string, unknown> {
  const { spec } = source;
  const workflow = spec.workflow;
  const sourceBody =
    (workflow?.role === 'step' ? initialPayloadBase64(source.body) : undefined) ??
    source.body.toString('base64');
  const header: Record<string, string[]> = {};
  result.headers.forEach((value, name) => {
    (header[name] ??= []).push(value);
  });
  return {
    status: result.status,
    header,
    body: (result.status === 0 ? Buffer.from(result.error ?? '') : result.body).toString('base64'),
    retried: source.retried,
    maxRetries: spec.maxRetries,
    sourceMessageId: source.id,
    ...(spec.topicName ? { topicName: spec.topicName } : {}),
    ...(spec.endpointName ? { endpointName: spec.endpointName } : {}),
    url: spec.url,
    method: spec.method,
    sourceHeader: headerLists(spec.headers),
    sourceBody,
    notBefore: source.notBefore,
    createdAt: source.createdAt,
    ...(spec.scheduleId ? { scheduleId: spec.scheduleId } : {}),
    ...(spec.callerIp ? { callerIP: spec.callerIp } : {}),
    ...(dlqId ? { dlqId } : {}),
    ...(workflow
      ? {
          workflowRunId: workflow.runId,
          workflowCreatedAt: workflow.createdAt,
          workflowUrl: workflow.url,
        }
      : {}),
  };
}

/** A new message that delivers `body` to a callback URL, signed and retried like any other. */
export function callbackMessage(
  kind: 'callback' | 'failure-callback',
  url: string,
  options: CallbackOptions | undefined,
  body: Record<string, unknown>,
  { seq, nowMs, defaultRetries }: { seq: number; nowMs: number; defaultRetries: number },
): PendingMessage {
  return {
    id: messageId(),
    seq,
    spec: {
      url,
      method: options?.method ?? 'POST',
      headers: { 'Content-Type': 'application/json', ...options?.headers },
      maxRetries: options?.retries ?? defaultRetries,
      ...(options?.retryDelay ? { retryDelay: options.retryDelay } : {}),
      ...(options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      kind,
      ...(options?.workflow ? { workflow: options.workflow } : {}),
    },
    body: Buffer.from(JSON.stringify(body)),
    dueAt: nowMs,
    retried: 0,
    createdAt: nowMs,
    notBefore: nowMs,
  };
}
