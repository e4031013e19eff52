import { isSagaEvent, type SagaEvent } from './events.ts';

/** Where a saga is: `none` before SagaStarted, then running → completed, or compensating → aborted. */
export type SagaStatus = 'none' | 'running' | 'compensating' | 'completed' | 'aborted';

/** One step as the timeline shows it. */
export interface StepRecord {
  readonly name: string;
  readonly status:
    'pending' | 'running' | 'succeeded' | 'failed' | 'compensated' | 'compensation_failed';
  /** Attempts of the action when it ended; 0 while pending or running. */
  readonly attempts: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly reason?: string;
  readonly error?: string;
  readonly compensation?: {
    readonly attempts: number;
    readonly at: string;
    readonly error?: string;
  };
}

/** A saga's state, folded from its events (other events of a shared stream are ignored). */
export interface SagaState {
  readonly status: SagaStatus;
  readonly sagaId?: string;
  readonly saga?: string;
  readonly input?: unknown;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Index of the step running now (forward phase). */
  readonly current: number;
  /** Steps still to compensate, in order (compensating phase). */
  readonly pending: readonly number[];
  readonly reason?: string;
  readonly unresolved: readonly string[];
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly steps: readonly StepRecord[];
}

/** The state before any saga event. */
export const initialSagaState = (): SagaState => ({
  status: 'none',
  outputs: {},
  current: 0,
  pending: [],
  unresolved: [],
  steps: [],
});

function setStep(steps: readonly StepRecord[], index: number, record: StepRecord): StepRecord[] {
  const next = [...steps];
  next[index] = record;
  return next;
}

function stepAt(state: SagaState, index: number, name: string): StepRecord {
  return state.steps[index] ?? { name, status: 'pending', attempts: 0 };
}

function startOf(state: SagaState, index: number, at: string): string {
  return state.steps[index]?.startedAt ?? state.steps[index - 1]?.endedAt ?? state.startedAt ?? at;
}

function evolveSagaEvent(state: SagaState, event: SagaEvent): SagaState {
  switch (event.type) {
    case 'SagaStarted': {
      const { sagaId, saga, input, startedAt } = event.data;
      return { ...initialSagaState(), status: 'running', sagaId, saga, input, startedAt };
    }
    case 'StepSucceeded': {
      const { step, index, output, attempts, at } = event.data;
      const previous = stepAt(state, index, step);
      const steps = setStep(state.steps, index, {
        ...previous,
        name: step,
        status: 'succeeded',
        attempts,
        startedAt: startOf(state, index, at),
        endedAt: at,
      });
      return {
        ...state,
        outputs: output === undefined ? state.outputs : { ...state.outputs, [step]: output },
        current: index + 1,
        steps,
      };
    }
    case 'StepFailed': {
      const { step, index, reason, error, attempts, compensate, at } = event.data;
      const previous = stepAt(state, index, step);
      const steps = setStep(state.steps, index, {
        ...previous,
        name: step,
        status: 'failed',
        attempts,
        startedAt: startOf(state, index, at),
        endedAt: at,
        reason,
        ...(error ? { error } : {}),
      });
      return { ...state, status: 'compensating', reason, pending: compensate, steps };
    }
    case 'CompensationSucceeded':
    case 'CompensationFailed': {
      const { step, index, attempts, at } = event.data;
      const failed = event.type === 'CompensationFailed';
      const previous = stepAt(state, index, step);
      const steps = setStep(state.steps, index, {
        ...previous,
        status: failed ? 'compensation_failed' : 'compensated',
        compensation: { attempts, at, ...(failed ? { error: event.data.error } : {}) },
      });
      return {
        ...state,
        pending: state.pending.filter((pending) => pending !== index),
        unresolved: failed ? [...state.unresolved, step] : state.unresolved,
        steps,
      };
    }
    case 'SagaCompleted':
      return { ...state, status: 'completed', endedAt: event.data.at };
    case 'SagaAborted':
      return {
        ...state,
        status: 'aborted',
        reason: event.data.reason,
        unresolved: event.data.unresolved,
        pending: [],
        endedAt: event.data.at,
      };
  }
}

/** Folds one event into the saga's state; events that are not the saga's leave it unchanged. */
export function evolveSaga(state: SagaState, event: { type: string; data: unknown }): SagaState {
  return isSagaEvent(event) ? evolveSagaEvent(state, event) : state;
}

/** Whether the saga reached an end: completed or aborted. */
export function isTerminal(state: SagaState): boolean {
  return state.status === 'completed' || state.status === 'aborted';
}
