import { parseRetryAfter } from '../durations.ts';
import type { PendingMessage } from '../message.ts';
import { compileRetryDelay } from '../retry-delay.ts';

/** What one delivery attempt got back; status 0 when no response arrived. */
export interface AttemptResult {
  status: number;
  headers: Headers;
  body: Buffer;
  /** Why no response arrived (timeout, refused connection), when status is 0. */
  error?: string;
}

/** What happens to the message after an attempt. */
export type Outcome =
  { kind: 'delivered' } | { kind: 'retry'; delayMs: number } | { kind: 'failed'; reason: string };

/** QStash's default backoff before retry number n (1-based): min(1 day, e^(2.5·n)) seconds. */
export function defaultBackoffMs(retryNumber: number): number {
  return Math.min(86_400, Math.exp(2.5 * retryNumber)) * 1000;
}

const waitHeaders = [
  'retry-after',
  'x-ratelimit-reset',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
];

/**
 * Any 2xx delivers (a workflow run's first step: only from a workflow endpoint); a 489 with `Upstash-NonRetryable-Error: true` or the last allowed attempt
 * fails; otherwise the next attempt waits for Retry-After (or X-RateLimit-Reset*), else the
 * message's Retry-Delay, else QStash's backoff — divided by `delayScale` for local runs.
 */
export function decideOutcome(
  result: AttemptResult,
  message: Pick<PendingMessage, 'retried' | 'spec'>,
  { nowMs, delayScale }: { nowMs: number; delayScale: number },
): Outcome {
  const success = result.status >= 200 && result.status < 300;
  // QStash's WF_DetectTrigger: a run's first step must reach an Upstash Workflow endpoint, which
  // answers with its protocol version; anything else is the wrong URL, not a started run.
  const notWorkflow =
    success &&
    message.spec.workflow?.trigger === true &&
    !result.headers.has('upstash-workflow-sdk-version');
  if (success && !notWorkflow) return { kind: 'delivered' };
  const describe = notWorkflow
    ? `detected a non-workflow destination for trigger/invoke (status ${result.status} without Upstash-Workflow-Sdk-Version)`
    : result.status === 0
      ? (result.error ?? 'no response')
      : `status ${result.status}`;
  if (result.status === 489 && result.headers.get('upstash-nonretryable-error') === 'true')
    return { kind: 'failed', reason: `non-retryable error (${describe})` };
  if (message.retried >= message.spec.maxRetries)
    return { kind: 'failed', reason: `retries exhausted, last attempt got ${describe}` };
  let delayMs: number | undefined;
  for (const name of waitHeaders) {
    delayMs = parseRetryAfter(result.headers.get(name), nowMs);
    if (delayMs !== undefined) break;
  }
  delayMs ??= message.spec.retryDelay
    ? compileRetryDelay(message.spec.retryDelay)(message.retried)
    : defaultBackoffMs(message.retried + 1);
  return { kind: 'retry', delayMs: Math.min(delayMs, 86_400_000) / delayScale };
}
