import {
  defineSaga,
  type RetryPolicy,
  type SagaDefinition,
  type StepContext,
  type StepDefinition,
} from './definition.ts';

/** A try/confirm/cancel participant, as the coordinator calls it. */
export interface TccParticipant<Input> {
  /** Kebab-case; the steps are named `try-<name>` and `confirm`. */
  readonly name: string;
  /** Reserves; idempotent per saga. Throw StepRejectedError to refuse (nothing reserved). */
  readonly try: (ctx: StepContext<Input>) => Promise<unknown>;
  /** Makes the reservation final; idempotent. A StepRejectedError here (e.g. expired) cancels all. */
  readonly confirm: (ctx: StepContext<Input>) => Promise<void>;
  /**
   * Releases the reservation; idempotent, and safe before or without its try: a cancel that
   * arrives first must leave a mark so a late try reserves nothing (empty rollback, hanging try).
   */
  readonly cancel: (ctx: StepContext<Input>) => Promise<void>;
  readonly retry?: RetryPolicy;
  readonly cancelRetry?: RetryPolicy;
  /** One attempt of try or cancel, ms. Default 10,000. */
  readonly timeoutMs?: number;
}

export interface TccSagaOptions<Input> extends Pick<
  SagaDefinition<Input>,
  'name' | 'deadlineMs' | 'onCompleted' | 'onAborted'
> {
  /** Tried in this order; confirmed in this order (put a participant whose confirm may refuse first). */
  readonly participants: readonly TccParticipant<Input>[];
  /** Retries of the confirm step. Default 10 attempts. */
  readonly confirmRetry?: RetryPolicy;
  /** One attempt of the confirm step, ms. Default 10,000. */
  readonly confirmTimeoutMs?: number;
}

/**
 * A TCC coordinator as a saga: one `try-<participant>` step per participant (compensated by its
 * cancel), then an irreversible `confirm` step that confirms every participant in order. Any
 * refused or exhausted try — or the deadline, while tries are still running — cancels every
 * participant tried so far, in reverse; once every try succeeded the decision is confirm, and the
 * deadline no longer applies. A confirm that is refused (a reservation past its own deadline)
 * cancels all, so nothing stays reserved.
 * @example tccSaga({ name: 'place-order', deadlineMs: 30_000, participants: [inventory, payments] })
 */
export function tccSaga<Input>({
  participants,
  confirmRetry = { maxAttempts: 10 },
  confirmTimeoutMs,
  ...rest
}: TccSagaOptions<Input>): SagaDefinition<Input> {
  const tries = participants.map((participant): StepDefinition<Input> => ({
    name: `try-${participant.name}`,
    action: participant.try,
    compensation: participant.cancel,
    ...(participant.retry ? { retry: participant.retry } : {}),
    ...(participant.cancelRetry ? { compensationRetry: participant.cancelRetry } : {}),
    ...(participant.timeoutMs ? { timeoutMs: participant.timeoutMs } : {}),
  }));
  const confirm: StepDefinition<Input> = {
    name: 'confirm',
    irreversible: true,
    retry: confirmRetry,
    ...(confirmTimeoutMs ? { timeoutMs: confirmTimeoutMs } : {}),
    async action(ctx) {
      for (const participant of participants) await participant.confirm(ctx);
      return undefined;
    },
  };
  return defineSaga({ ...rest, steps: [...tries, confirm] });
}
