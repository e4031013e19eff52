import { commandHandler } from '../event-store/command-handler.ts';
import type {
  CallOptions,
  EventStore,
  NewEvent,
  OutboxMessage,
} from '../event-store/event-store.ts';
import { decideSaga, type SagaCommand, type SagaDecision, type SagaStart } from './decide.ts';
import type { SagaDefinition, TerminalWrites } from './definition.ts';
import { traceOnly, type SagaMessageBuilders } from './message-builders.ts';
import type { SagaMessage } from './messages.ts';
import type { SagaDelivery, SagaFaults, SagaHandleResult } from './orchestrator-types.ts';
import { evolveSaga, initialSagaState, type SagaState } from './state.ts';

/** Decides `command` on what the saga's stream holds and appends the outcome with its messages. */
export type SagaCommit = (
  sagaId: string,
  known: { state: SagaState; version: number },
  command: SagaCommand,
  start: SagaStart | undefined,
  delivery: SagaDelivery,
) => Promise<SagaHandleResult>;

/** What a saga's commit is built from. */
export interface SagaCommitOptions<Input> {
  readonly definition: SagaDefinition<Input>;
  readonly store: EventStore;
  readonly streamId: (sagaId: string) => string;
  readonly streamType: string;
  readonly messages: SagaMessageBuilders;
  readonly faults: SagaFaults | undefined;
}

/** The store options of a delivery: its signal, and its scope tracing the statements. */
export function callOf(delivery: SagaDelivery): CallOptions {
  return { signal: delivery.signal, trace: delivery.scope };
}

function kindOf(command: SagaCommand): SagaMessage['kind'] {
  if (command.type === 'Expire') return 'deadline';
  return command.type === 'RecordCompensation' ? 'compensate' : 'step';
}

function terminalWrites<Input>(
  definition: SagaDefinition<Input>,
  outcome: 'completed' | 'aborted' | undefined,
  sagaId: string,
  state: SagaState,
  at: Date,
  version: number,
): TerminalWrites {
  const ctx = { sagaId, input: state.input as Input, outputs: state.outputs, at, version };
  if (outcome === 'completed') return definition.onCompleted?.(ctx) ?? {};
  if (outcome === 'aborted')
    return definition.onAborted?.({ ...ctx, reason: state.reason ?? 'aborted' }) ?? {};
  return {};
}

/** Records a saga that ended in the delivery's standard metrics. */
function recordEnd(
  definition: SagaDefinition<unknown>,
  { outcome, state }: SagaDecision,
  at: Date,
  delivery: SagaDelivery,
): void {
  if (!outcome) return;
  const started = Date.parse(state.startedAt ?? '');
  delivery.scope?.metrics.recordSaga(
    definition.name,
    outcome,
    outcome === 'aborted' ? (state.reason ?? 'aborted') : undefined,
    Number.isNaN(started) ? undefined : (at.getTime() - started) / 1000,
  );
}

/**
 * The commit of one saga definition, through the event store's command handler: a duplicate
 * delivery or the deadline that recorded first makes it decide again on what is there.
 */
export function sagaCommit<Input>({
  definition,
  store,
  streamId,
  streamType,
  messages,
  faults,
}: SagaCommitOptions<Input>): SagaCommit {
  const generic = definition as SagaDefinition<unknown>;
  const sagaStreams = commandHandler<SagaState, NewEvent>({
    streamType,
    streamId,
    initialState: initialSagaState,
    evolve: evolveSaga,
    // Someone recorded first (a duplicate delivery, the deadline): decide again on what is there.
    maxRetries: 4,
  });

  return async function commit(sagaId, known, command, start, delivery) {
    const traceHeaders = traceOnly(delivery.traceHeaders);
    let decision: SagaDecision | undefined;
    const result = await sagaStreams.handle(
      store,
      sagaId,
      (state, version) => {
        decision = decideSaga(generic, state, command, start);
        if (decision.events.length === 0) return [];
        const terminal = terminalWrites(
          definition,
          decision.outcome,
          sagaId,
          decision.state,
          command.at,
          version + decision.events.length,
        );
        const events: NewEvent[] = [...decision.events, ...(terminal.events ?? [])];
        // The owner's terminal messages (order events) stay in the saga's trace unless they carry one.
        const outbox: OutboxMessage[] = (terminal.outbox ?? []).map((message) =>
          message.headers?.traceparent
            ? message
            : { ...message, headers: { ...message.headers, ...traceHeaders } },
        );
        if (decision.next) {
          const { kind, index } = decision.next;
          const nextVersion = version + events.length;
          outbox.push(
            messages.workMessage(kind, sagaId, index, nextVersion, decision.state, traceHeaders),
          );
        }
        return { events, outbox, documents: terminal.documents ?? [] };
      },
      {
        guess: known,
        at: command.at,
        metadata: { correlationId: sagaId, ...traceHeaders },
        ...(delivery.outboxId ? { outboxDone: [delivery.outboxId] } : {}),
        ...callOf(delivery),
      },
    );
    if (result.status !== 'appended' || !decision) return { status: 'duplicate' };
    recordEnd(generic, decision, command.at, delivery);
    await faults?.('after-commit', {
      sagaId,
      kind: kindOf(command),
      ...(command.type === 'Expire' ? {} : { index: command.index }),
    });
    return { status: decision.outcome ?? 'advanced', outbox: result.outbox };
  };
}
