import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { callOf, type SagaCommit } from './commit.ts';
import type { CallOptions } from '../event-store/event-store.ts';
import { defaultAttempts, retrySettings, type SagaDefinition } from './definition.ts';
import type { SagaMessage } from './messages.ts';
import type { SagaDelivery, SagaFaults, SagaHandleResult } from './orchestrator-types.ts';
import { outcomeCommand, runStep, type StepOutcome } from './run-step.ts';
import type { SagaState } from './state.ts';

/** A delivered message that runs a step's action or its compensation. */
export type WorkMessage = Extract<SagaMessage, { kind: 'step' | 'compensate' }>;

/** What the handler of step and compensation messages is built from. */
export interface WorkHandlerOptions<Input> {
  readonly definition: SagaDefinition<Input>;
  readonly now: () => number;
  readonly faults: SagaFaults | undefined;
  readonly commit: SagaCommit;
  /** The saga's state and stream version as recorded. */
  readonly read: (
    sagaId: string,
    call: CallOptions,
  ) => Promise<{ state: SagaState; version: number }>;
}

/** Whether `message`'s work is what the saga waits for in `state`. */
function isCurrent(state: SagaState, message: WorkMessage): boolean {
  if (message.kind === 'compensate') {
    return state.status === 'compensating' && state.pending[0] === message.index;
  }
  if (state.status === 'none') return message.index === 0 && message.start !== undefined;
  return state.status === 'running' && state.current === message.index;
}

/**
 * Handles a step or compensation message: runs the work (or counts it failed when QStash gave
 * up), asks for a retry while attempts are left, else commits the outcome.
 */
export function workHandler<Input>({
  definition,
  now,
  faults,
  commit,
  read,
}: WorkHandlerOptions<Input>): (
  message: WorkMessage,
  delivery: SagaDelivery,
) => Promise<SagaHandleResult> {
  return async function handleWork(message, delivery) {
    const { kind, sagaId, index } = message;
    const step = definition.steps[index];
    if (!step) {
      throw new EdgeMeshError('VALIDATION', `Saga ${definition.name} has no step ${index}.`);
    }
    const start = message.kind === 'step' ? message.start : undefined;
    let known = { state: message.state, version: message.version };
    if (!delivery.outboxId && !delivery.exhausted) {
      // A QStash delivery is a recovery or a retry: work the saga has moved past (done inline,
      // or overtaken by the deadline) is acknowledged without calling the participant again.
      known = await read(sagaId, callOf(delivery));
      if (!isCurrent(known.state, message)) return { status: 'duplicate' };
    }
    const input = known.state.status === 'none' ? start?.input : known.state.input;
    const at = { sagaId, kind, index };
    const policy =
      kind === 'step'
        ? retrySettings(step.retry, defaultAttempts.action)
        : retrySettings(step.compensationRetry, defaultAttempts.compensation);
    let outcome: StepOutcome;
    if (delivery.exhausted) {
      outcome = { kind: 'failed', error: 'QStash gave up delivering this message' };
    } else {
      await faults?.('before-action', at);
      outcome = await runStep(definition, {
        kind,
        sagaId,
        index,
        input,
        state: known.state,
        delivery,
      });
      await faults?.('after-action', at);
    }
    const final = delivery.exhausted || delivery.attempt >= policy.maxAttempts;
    if (outcome.kind === 'failed' && !final) return { status: 'retry', error: outcome.error };
    const attempts = Math.min(delivery.attempt, policy.maxAttempts);
    return commit(
      sagaId,
      known,
      outcomeCommand(kind, index, outcome, attempts, new Date(now())),
      start,
      delivery,
    );
  };
}
