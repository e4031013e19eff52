import type { Target } from '../destinations.ts';
import { dlqId, messageId } from '../ids.ts';
import type { DeadLetter, PendingMessage } from '../message.ts';
import type { ScheduleRecord } from '../store/store.ts';
import { callbackBody, callbackMessage } from './callbacks.ts';
import type { AttemptResult } from './outcome.ts';

/** What building a new message needs: its time and the next FIFO sequence number. */
export interface BuildContext {
  nowMs: number;
  nextSeq: () => number;
  defaultRetries: number;
}

/**
 * The callback (after any attempt) and the failure callback (once it failed for good) an
 * attempt of `source` triggers; callbacks themselves trigger none.
 */
export function callbacksFor(
  source: PendingMessage,
  result: AttemptResult,
  failed: DeadLetter | undefined,
  { nowMs, nextSeq, defaultRetries }: BuildContext,
): PendingMessage[] {
  const { spec } = source;
  if (spec.kind) return [];
  const made: PendingMessage[] = [];
  if (spec.callback) {
    made.push(
      callbackMessage(
        'callback',
        spec.callback,
        spec.callbackOptions,
        callbackBody(source, result),
        {
          seq: nextSeq(),
          nowMs,
          defaultRetries,
        },
      ),
    );
  }
  if (failed && spec.failureCallback) {
    made.push(
      callbackMessage(
        'failure-callback',
        spec.failureCallback,
        spec.failureCallbackOptions,
        callbackBody(source, result, failed.dlqId),
        { seq: nextSeq(), nowMs, defaultRetries },
      ),
    );
  }
  return made;
}

/** The DLQ row of a message whose last attempt got `result`. */
export function deadLetterOf(
  message: PendingMessage,
  result: AttemptResult,
  at: number,
): DeadLetter {
  const header: Record<string, string[]> = {};
  result.headers.forEach((value, name) => {
    (header[name] ??= []).push(value);
  });
  return {
    id: message.id,
    dlqId: dlqId(at),
    seq: message.seq,
    spec: message.spec,
    body: message.body,
    dueAt: message.dueAt,
    retried: message.retried,
    createdAt: message.createdAt,
    notBefore: message.notBefore,
    failedAt: at,
    responseStatus: result.status,
    responseHeader: header,
    responseBody: result.status === 0 ? (result.error ?? '') : result.body.toString('utf8'),
  };
}

/** DLQ entries as new messages, due now. */
export function redeliveries(
  entries: readonly DeadLetter[],
  at: number,
  nextSeq: () => number,
): PendingMessage[] {
  return entries.map((entry) => ({
    id: messageId(),
    seq: nextSeq(),
    spec: entry.spec,
    body: entry.body,
    dueAt: at,
    retried: 0,
    createdAt: at,
    notBefore: at,
  }));
}

/** What one firing of `schedule` publishes: a message per target, after the schedule's delay. */
export function scheduledMessages(
  schedule: ScheduleRecord,
  targets: readonly Target[],
  at: number,
  nextSeq: () => number,
): PendingMessage[] {
  return targets.map((target) => ({
    id: messageId(),
    seq: nextSeq(),
    spec: { ...schedule.spec, ...target, scheduleId: schedule.id },
    body: schedule.body,
    dueAt: at + schedule.delayMs,
    retried: 0,
    createdAt: at,
    notBefore: at + schedule.delayMs,
  }));
}
