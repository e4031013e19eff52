import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import type { SagaCommand } from './decide.ts';
import { isStepRejected, type SagaDefinition, type StepContext } from './definition.ts';
import { traceOnly } from './message-builders.ts';
import type { SagaDelivery } from './orchestrator-types.ts';
import type { SagaState } from './state.ts';

/** How one run of a step's action or compensation ended. */
export type StepOutcome =
  | { kind: 'ok'; output: unknown }
  | { kind: 'rejected'; reason: string; error: string }
  | { kind: 'failed'; error: string };

/** Which step ran, and how, for {@link runStep}. */
export interface StepRun {
  readonly kind: 'step' | 'compensate';
  readonly sagaId: string;
  readonly index: number;
  readonly input: unknown;
  readonly state: SagaState;
  readonly delivery: SagaDelivery;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(
        signal.reason instanceof Error
          ? signal.reason
          : new EdgeMeshError('TIMEOUT', 'The step timed out.'),
      );
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * Runs a step's action (or its compensation) under its timeout (default 10 s) and the delivery's
 * signal, in a `saga <kind> <step>` span when the delivery is traced; never rejects.
 */
export async function runStep<Input>(
  definition: SagaDefinition<Input>,
  { kind, sagaId, index, input, state, delivery }: StepRun,
): Promise<StepOutcome> {
  const step = definition.steps[index]!;
  const timeout = AbortSignal.timeout(step.timeoutMs ?? 10_000);
  const signal = delivery.signal ? AbortSignal.any([delivery.signal, timeout]) : timeout;
  // The step's own span (when traced) is the parent of whatever the step calls.
  const work = async (scope: TraceScope | undefined): Promise<unknown> => {
    const ctx: StepContext<Input> = {
      sagaId,
      step: step.name,
      input: input as Input,
      outputs: state.outputs,
      attempt: delivery.attempt,
      signal,
      scope,
      traceHeaders: scope ? scope.headers() : traceOnly(delivery.traceHeaders),
    };
    if (kind === 'step') return step.action(ctx);
    await step.compensation?.(ctx);
    return undefined;
  };
  try {
    const output = await (delivery.scope
      ? delivery.scope.run(
          `saga ${kind} ${step.name}`,
          (scope) => Promise.race([work(scope), whenAborted(signal)]),
          {
            attributes: {
              'saga.name': definition.name,
              'saga.id': sagaId,
              'saga.step': step.name,
              'saga.step.index': index,
              'saga.attempt': delivery.attempt,
            },
          },
        )
      : Promise.race([work(undefined), whenAborted(signal)]));
    return { kind: 'ok', output };
  } catch (error) {
    if (isStepRejected(error))
      return { kind: 'rejected', reason: error.reason, error: error.message };
    return { kind: 'failed', error: messageOf(error) };
  }
}

/** The command that records `outcome` of step `index` (its action or its compensation). */
export function outcomeCommand(
  kind: 'step' | 'compensate',
  index: number,
  outcome: StepOutcome,
  attempts: number,
  at: Date,
): SagaCommand {
  if (kind === 'step') {
    return outcome.kind === 'ok'
      ? { type: 'RecordStepSuccess', index, output: outcome.output, attempts, at }
      : {
          type: 'RecordStepFailure',
          index,
          reason: outcome.kind === 'rejected' ? outcome.reason : 'retries_exhausted',
          error: outcome.error,
          attempts,
          at,
        };
  }
  return outcome.kind === 'ok'
    ? { type: 'RecordCompensation', index, ok: true, attempts, at }
    : { type: 'RecordCompensation', index, ok: false, error: outcome.error, attempts, at };
}
