import type { SagaDefinition } from './definition.ts';
import type { SagaEvent } from './events.ts';
import { evolveSaga, type SagaState } from './state.ts';

/** What happened, as the orchestrator reports it to the pure decider. */
export type SagaCommand =
  | { type: 'RecordStepSuccess'; index: number; output: unknown; attempts: number; at: Date }
  | {
      type: 'RecordStepFailure';
      index: number;
      reason: string;
      error?: string;
      attempts: number;
      at: Date;
    }
  | {
      type: 'RecordCompensation';
      index: number;
      ok: boolean;
      error?: string;
      attempts: number;
      at: Date;
    }
  /** The saga's deadline passed. */
  | { type: 'Expire'; at: Date };

/** Facts needed to record SagaStarted lazily, with the first step's outcome. */
export interface SagaStart {
  sagaId: string;
  input: unknown;
  startedAt: string;
}

/** The work a decision schedules: run a step's action or its compensation. */
export interface NextWork {
  kind: 'step' | 'compensate';
  index: number;
}

/** Events to append, the next work (if any), and whether the saga ended. */
export interface SagaDecision {
  events: SagaEvent[];
  state: SagaState;
  next?: NextWork;
  outcome?: 'completed' | 'aborted';
}

/** Index of the first irreversible step, or the step count when there is none. */
export function pivotIndex(definition: SagaDefinition<unknown>): number {
  const index = definition.steps.findIndex((step) => step.irreversible);
  return index === -1 ? definition.steps.length : index;
}

/**
 * The steps to compensate after step `failed` failed, in reverse order: every step that started
 * (the failed one included, its action may have half-run), down to but excluding the last
 * irreversible step that already succeeded; steps without a compensation are skipped.
 */
export function compensationPlan(definition: SagaDefinition<unknown>, failed: number): number[] {
  let floor = -1;
  for (let index = 0; index < failed; index += 1) {
    if (definition.steps[index]?.irreversible) floor = index;
  }
  const plan: number[] = [];
  for (let index = failed; index > floor; index -= 1) {
    if (definition.steps[index]?.compensation) plan.push(index);
  }
  return plan;
}

function stale(state: SagaState): SagaDecision {
  return { events: [], state };
}

function fold(state: SagaState, events: SagaEvent[]): SagaState {
  return events.reduce<SagaState>(evolveSaga, state);
}

/** What every case of {@link decideSaga} shares: the saga as it stood and as it now stands. */
interface Deciding {
  readonly definition: SagaDefinition<unknown>;
  /** The state the decision started from; the decision's state folds its events onto this. */
  readonly state: SagaState;
  /** `state` after the lazily recorded SagaStarted, if any. */
  readonly current: SagaState;
  /** SagaStarted when this decision starts the saga, else nothing. */
  readonly prefix: readonly SagaEvent[];
  readonly sagaId: string;
  /** The command's time, ISO 8601. */
  readonly at: string;
}

function stepName({ definition }: Deciding, index: number): string {
  return definition.steps[index]?.name ?? `step-${index}`;
}

/** The decision of `events`, ending in the next work or in the saga's outcome. */
function decided(
  { state }: Deciding,
  events: SagaEvent[],
  ending: { next: NextWork } | { outcome: 'completed' | 'aborted' },
): SagaDecision {
  return { events, state: fold(state, events), ...ending };
}

function fail(
  deciding: Deciding,
  index: number,
  reason: string,
  attempts: number,
  error?: string,
): SagaDecision {
  const { definition, prefix, sagaId, at } = deciding;
  const compensate = compensationPlan(definition, index);
  const events: SagaEvent[] = [
    ...prefix,
    {
      type: 'StepFailed',
      data: {
        sagaId,
        step: stepName(deciding, index),
        index,
        reason,
        ...(error ? { error: error.slice(0, 1000) } : {}),
        attempts,
        compensate,
        at,
      },
    },
  ];
  if (compensate.length === 0) {
    events.push({ type: 'SagaAborted', data: { sagaId, reason, unresolved: [], at } });
    return decided(deciding, events, { outcome: 'aborted' });
  }
  return decided(deciding, events, { next: { kind: 'compensate', index: compensate[0]! } });
}

function recordStepSuccess(
  deciding: Deciding,
  command: Extract<SagaCommand, { type: 'RecordStepSuccess' }>,
): SagaDecision {
  const { definition, current, prefix, sagaId, at } = deciding;
  if (current.status !== 'running' || current.current !== command.index) {
    return stale(deciding.state);
  }
  const events: SagaEvent[] = [
    ...prefix,
    {
      type: 'StepSucceeded',
      data: {
        sagaId,
        step: stepName(deciding, command.index),
        index: command.index,
        ...(command.output === undefined ? {} : { output: command.output }),
        attempts: command.attempts,
        at,
      },
    },
  ];
  if (command.index + 1 >= definition.steps.length) {
    events.push({ type: 'SagaCompleted', data: { sagaId, at } });
    return decided(deciding, events, { outcome: 'completed' });
  }
  return decided(deciding, events, { next: { kind: 'step', index: command.index + 1 } });
}

function recordCompensation(
  deciding: Deciding,
  command: Extract<SagaCommand, { type: 'RecordCompensation' }>,
): SagaDecision {
  const { current, sagaId, at } = deciding;
  if (current.status !== 'compensating' || current.pending[0] !== command.index) {
    return stale(deciding.state);
  }
  const step = stepName(deciding, command.index);
  const events: SagaEvent[] = [
    command.ok
      ? {
          type: 'CompensationSucceeded',
          data: { sagaId, step, index: command.index, attempts: command.attempts, at },
        }
      : {
          type: 'CompensationFailed',
          data: {
            sagaId,
            step,
            index: command.index,
            error: (command.error ?? 'compensation failed').slice(0, 1000),
            attempts: command.attempts,
            at,
          },
        },
  ];
  const rest = current.pending.slice(1);
  if (rest.length === 0) {
    const unresolved = command.ok ? current.unresolved : [...current.unresolved, step];
    events.push({
      type: 'SagaAborted',
      data: { sagaId, reason: current.reason ?? 'aborted', unresolved: [...unresolved], at },
    });
    return decided(deciding, events, { outcome: 'aborted' });
  }
  return decided(deciding, events, { next: { kind: 'compensate', index: rest[0]! } });
}

/**
 * Decides the saga events for what just happened, given the state the saga is in. A command that
 * no longer applies (a duplicate delivery, a step the deadline overtook) decides nothing.
 */
export function decideSaga(
  definition: SagaDefinition<unknown>,
  state: SagaState,
  command: SagaCommand,
  start?: SagaStart,
): SagaDecision {
  const prefix: SagaEvent[] = [];
  let current = state;
  if (current.status === 'none') {
    if (!start || command.type === 'RecordCompensation') return stale(state);
    const started: SagaEvent = {
      type: 'SagaStarted',
      data: {
        sagaId: start.sagaId,
        saga: definition.name,
        input: start.input,
        startedAt: start.startedAt,
      },
    };
    prefix.push(started);
    current = evolveSaga(current, started);
  }
  const deciding: Deciding = {
    definition,
    state,
    current,
    prefix,
    sagaId: current.sagaId!,
    at: command.at.toISOString(),
  };
  switch (command.type) {
    case 'RecordStepSuccess':
      return recordStepSuccess(deciding, command);
    case 'RecordStepFailure':
      if (current.status !== 'running' || current.current !== command.index) return stale(state);
      return fail(deciding, command.index, command.reason, command.attempts, command.error);
    case 'Expire':
      if (current.status !== 'running' || current.current >= pivotIndex(definition)) {
        return stale(state);
      }
      return fail(deciding, current.current, 'timeout', 0, 'the saga deadline passed');
    case 'RecordCompensation':
      return recordCompensation(deciding, command);
  }
}
