import type { DocumentWrite, NewEvent, OutboxMessage } from '../event-store/event-store.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';

/** How often a step (or its compensation) is attempted, and how long QStash waits in between. */
export interface RetryPolicy {
  /** Attempts including the first (1–20). Default 5 for actions, 10 for compensations. */
  maxAttempts?: number;
  /** Wait before the first retry, ms; doubles per retry. Default 1,000. */
  backoffMs?: number;
  /** Longest wait between retries, ms. Default 60,000. */
  maxBackoffMs?: number;
}

/** What a step's action and compensation see. */
export interface StepContext<Input> {
  readonly sagaId: string;
  readonly step: string;
  readonly input: Input;
  /** Outputs of the steps that succeeded so far, by step name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt of this delivery's work. */
  readonly attempt: number;
  /** Aborts when the step's timeout passes or the delivery is abandoned. */
  readonly signal: AbortSignal;
  /** The step's trace scope (its `saga step|compensate <name>` span), when telemetry is wired. */
  readonly scope?: TraceScope | undefined;
  /** `traceparent`/`tracestate` to forward on calls made by the step. */
  readonly traceHeaders: Readonly<Record<string, string>>;
}

/** One ordered step of a saga. */
export interface StepDefinition<Input> {
  /** Unique within the saga, e.g. `reserve-stock`. */
  readonly name: string;
  /**
   * Does the step's work and returns its output (JSON). Must be idempotent per (saga id, step):
   * it may run again after a crash or a duplicate delivery. Throw {@link StepRejectedError} for a
   * business refusal (never retried); any other throw is retried under `retry`.
   */
  readonly action: (ctx: StepContext<Input>) => Promise<unknown>;
  /**
   * Undoes the action. Runs, in reverse order, for every step that started, including the one
   * that failed, so it must accept an action that never ran or that arrives late (empty rollback).
   */
  readonly compensation?: (ctx: StepContext<Input>) => Promise<void>;
  readonly retry?: RetryPolicy;
  readonly compensationRetry?: RetryPolicy;
  /** How long one attempt may take, ms. Default 10,000. */
  readonly timeoutMs?: number;
  /**
   * A pivot: once this step is the current one, the saga only moves forward — a deadline no
   * longer aborts it, and a later failure compensates only the steps after it.
   */
  readonly irreversible?: boolean;
}

/** Extra writes committed with a saga's terminal event, in the same append. */
export interface TerminalWrites {
  readonly events?: readonly NewEvent[];
  readonly documents?: readonly DocumentWrite[];
  readonly outbox?: readonly OutboxMessage[];
}

/** What a terminal hook sees. */
export interface TerminalContext<Input> {
  readonly sagaId: string;
  readonly input: Input;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Time of the terminal event. */
  readonly at: Date;
  /** Stream version after the saga's own events of this append; the hook's events follow it. */
  readonly version: number;
}

/** A saga declared as data + code: ordered steps, a deadline, and terminal hooks. */
export interface SagaDefinition<Input> {
  /** Stable name, recorded in SagaStarted. */
  readonly name: string;
  readonly steps: readonly StepDefinition<Input>[];
  /** Abort with reason `timeout` when still before the first irreversible step after this long, ms. */
  readonly deadlineMs?: number;
  /** Writes committed with SagaCompleted (e.g. the owner's own events, read model and notifications). */
  readonly onCompleted?: (ctx: TerminalContext<Input>) => TerminalWrites;
  /** Writes committed with SagaAborted. */
  readonly onAborted?: (ctx: TerminalContext<Input> & { reason: string }) => TerminalWrites;
}

/** Limits checked by {@link defineSaga}. */
export const sagaLimits = { steps: 50, maxAttempts: 20, name: 64 } as const;

const namePattern = /^[a-z0-9][a-z0-9-]*$/;

function checkRetry(path: string, retry: RetryPolicy | undefined): void {
  if (!retry) return;
  const { maxAttempts, backoffMs, maxBackoffMs } = retry;
  if (
    maxAttempts !== undefined &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > sagaLimits.maxAttempts)
  ) {
    throw new EdgeMeshError('CONFIG', `${path}.maxAttempts must be 1 to ${sagaLimits.maxAttempts}`);
  }
  for (const [key, value] of [
    ['backoffMs', backoffMs],
    ['maxBackoffMs', maxBackoffMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0 || value > 86_400_000)) {
      throw new EdgeMeshError('CONFIG', `${path}.${key} must be 0 to 86400000 ms`);
    }
  }
}

/**
 * Checks a saga definition once, at construction: kebab-case unique names, 1–50 steps, retry
 * and timeout bounds. Throws CONFIG naming the bad field.
 * @example const saga = defineSaga({ name: 'place-order', steps: [{ name: 'reserve', action, compensation }] });
 */
export function defineSaga<Input>(definition: SagaDefinition<Input>): SagaDefinition<Input> {
  const bad = (message: string) =>
    new EdgeMeshError('CONFIG', `saga ${definition.name}: ${message}`);
  if (!namePattern.test(definition.name) || definition.name.length > sagaLimits.name) {
    throw bad('name must be kebab-case, at most 64 characters');
  }
  if (definition.steps.length === 0 || definition.steps.length > sagaLimits.steps) {
    throw bad(`must have 1 to ${sagaLimits.steps} steps`);
  }
  const seen = new Set<string>();
  definition.steps.forEach((step, index) => {
    if (!namePattern.test(step.name) || step.name.length > sagaLimits.name) {
      throw bad(`steps.${index}.name must be kebab-case, at most 64 characters`);
    }
    if (seen.has(step.name)) throw bad(`steps.${index}.name "${step.name}" is not unique`);
    seen.add(step.name);
    checkRetry(`steps.${index}.retry`, step.retry);
    checkRetry(`steps.${index}.compensationRetry`, step.compensationRetry);
    if (
      step.timeoutMs !== undefined &&
      (!Number.isFinite(step.timeoutMs) || step.timeoutMs < 1 || step.timeoutMs > 600_000)
    ) {
      throw bad(`steps.${index}.timeoutMs must be 1 to 600000 ms`);
    }
  });
  if (
    definition.deadlineMs !== undefined &&
    (!Number.isFinite(definition.deadlineMs) || definition.deadlineMs < 1000)
  ) {
    throw bad('deadlineMs must be at least 1000 ms');
  }
  return definition;
}

const rejectedBrand = '__sagaStepRejected';

/**
 * A step's business refusal (out of stock, payment declined): never retried, it starts the
 * compensation and becomes the saga's abort `reason`.
 */
export class StepRejectedError extends EdgeMeshError {
  readonly [rejectedBrand] = true;
  /** Short snake_case reason, e.g. `out_of_stock`. */
  readonly reason: string;

  constructor(reason: string, message: string, cause?: unknown) {
    super('CONFLICT', message, { cause, extensions: { reason } });
    this.name = 'StepRejectedError';
    this.reason = reason;
  }
}

/** True for a StepRejectedError, even from a duplicated bundle. */
export function isStepRejected(value: unknown): value is StepRejectedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[rejectedBrand] === true
  );
}

/** Resolved retry settings of an action or compensation. */
export function retrySettings(policy: RetryPolicy | undefined, fallbackAttempts: number) {
  return {
    maxAttempts: policy?.maxAttempts ?? fallbackAttempts,
    backoffMs: policy?.backoffMs ?? 1_000,
    maxBackoffMs: policy?.maxBackoffMs ?? 60_000,
  };
}

/** Default attempts of an action and of a compensation. */
export const defaultAttempts = { action: 5, compensation: 10 } as const;
