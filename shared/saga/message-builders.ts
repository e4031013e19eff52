import type { OutboxMessage } from '../event-store/event-store.ts';
import { isTraceparent } from '../telemetry/traceparent.ts';
import type { SagaStart } from './decide.ts';
import {
  defaultAttempts,
  retrySettings,
  type RetryPolicy,
  type SagaDefinition,
} from './definition.ts';
import type { SagaMessage } from './messages.ts';
import type { SagaState } from './state.ts';

/** The saga messages of one definition, as outbox rows for QStash. */
export interface SagaMessageBuilders {
  /** The message that runs step `index` (or its compensation) from `state` at stream `version`. */
  workMessage(
    kind: 'step' | 'compensate',
    sagaId: string,
    index: number,
    version: number,
    state: SagaState,
    traceHeaders: Record<string, string>,
    start?: SagaStart,
  ): OutboxMessage;
  /** The delayed deadline message, or none when the saga has no deadline. */
  deadlineMessage(
    sagaId: string,
    traceHeaders: Record<string, string>,
    start?: SagaStart,
  ): OutboxMessage[];
}

/** `traceparent` and `tracestate` of `headers` when the traceparent is valid, else nothing. */
export function traceOnly(headers: Record<string, string> = {}): Record<string, string> {
  const { traceparent, tracestate } = headers;
  if (!isTraceparent(traceparent)) return {};
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

function retryHeaders(policy: RetryPolicy | undefined, fallback: number): Record<string, string> {
  const { maxAttempts, backoffMs, maxBackoffMs } = retrySettings(policy, fallback);
  return {
    'Upstash-Retries': String(maxAttempts - 1),
    'Upstash-Retry-Delay': `min(${Math.round(maxBackoffMs)}, ${Math.round(backoffMs)} * pow(2, retried))`,
  };
}

/**
 * Builders of the messages that drive `definition`, delivered to `endpoint` with QStash retries
 * from each step's policy and `failureEndpoint` as the failure callback.
 */
export function sagaMessageBuilders<Input>(
  definition: SagaDefinition<Input>,
  endpoint: string,
  failureEndpoint: string,
): SagaMessageBuilders {
  const deadlineHeaders = (): Record<string, string> =>
    definition.deadlineMs
      ? { 'Upstash-Delay': `${Math.ceil(definition.deadlineMs / 1000)}s`, 'Upstash-Retries': '3' }
      : {};

  return {
    workMessage(kind, sagaId, index, version, state, traceHeaders, start) {
      const step = definition.steps[index]!;
      const body: SagaMessage =
        kind === 'step'
          ? {
              kind,
              saga: definition.name,
              sagaId,
              index,
              version,
              state,
              ...(start ? { start } : {}),
            }
          : { kind, saga: definition.name, sagaId, index, version, state };
      return {
        destination: endpoint,
        body,
        headers: {
          ...(kind === 'step'
            ? retryHeaders(step.retry, defaultAttempts.action)
            : retryHeaders(step.compensationRetry, defaultAttempts.compensation)),
          'Upstash-Failure-Callback': failureEndpoint,
          ...traceOnly(traceHeaders),
        },
      };
    },

    deadlineMessage(sagaId, traceHeaders, start) {
      if (!definition.deadlineMs) return [];
      const body: SagaMessage = {
        kind: 'deadline',
        saga: definition.name,
        sagaId,
        ...(start ? { start } : {}),
      };
      return [
        {
          destination: endpoint,
          body,
          headers: { ...deadlineHeaders(), ...traceOnly(traceHeaders) },
        },
      ];
    },
  };
}
