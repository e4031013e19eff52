import { commandHandler } from '../event-store/command-handler.ts';
import type {
  AppendResult,
  CallOptions,
  EventStore,
  NewEvent,
  OutboxMessage,
  OutboxRecord,
} from '../event-store/event-store.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import { decideSaga, type SagaCommand, type SagaDecision, type SagaStart } from './decide.ts';
import {
  defaultAttempts,
  isStepRejected,
  retrySettings,
  type RetryPolicy,
  type SagaDefinition,
  type StepContext,
  type TerminalWrites,
} from './definition.ts';
import type { SagaMessage } from './messages.ts';
import { evolveSaga, initialSagaState, type SagaState, type StepRecord } from './state.ts';
import { isTraceparent } from '../telemetry/traceparent.ts';

/** Where a fault can be injected while a message is handled (tests and chaos only). */
export type SagaFaultPoint = 'before-action' | 'after-action' | 'after-commit' | 'before-ack';

/** Called at each fault point; throwing there simulates a crash at that point. */
export type SagaFaults = (
  point: SagaFaultPoint,
  at: { sagaId: string; kind: SagaMessage['kind']; index?: number },
) => void | Promise<void>;

export interface SagaOrchestratorOptions<Input> {
  definition: SagaDefinition<Input>;
  store: EventStore;
  /** URL QStash delivers saga messages to: the `POST …/steps` route of `sagaRoutes`. */
  endpoint: string;
  /** URL of the failure callback (`POST …/failures`). Default `endpoint` with `/steps` → `/failures`. */
  failureEndpoint?: string;
  /** The stream holding a saga's events. Default `saga-<sagaId>`; may be shared with the owner's events. */
  streamId?: (sagaId: string) => string;
  /** Stream type of a saga stream it creates. Default `saga`. */
  streamType?: string;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Fault injection (tests, chaos). Default none. */
  faults?: SagaFaults;
}

/** How a message reached the handler. */
export interface SagaDelivery {
  /** 1 for the first delivery (`Upstash-Retried` + 1). */
  attempt: number;
  /** QStash gave up on the message (failure callback): its work counts as failed for good. */
  exhausted?: boolean;
  signal?: AbortSignal;
  scope?: TraceScope;
  /** `traceparent`/`tracestate` of the delivery, forwarded by steps and on the next messages. */
  traceHeaders?: Record<string, string>;
}

/** What handling a message did. */
export type SagaHandleResult =
  | { status: 'advanced' | 'completed' | 'aborted'; outbox: readonly OutboxRecord[] }
  /** Nothing to do: the saga had already moved past this message (a duplicate or a late one). */
  | { status: 'duplicate' }
  /** The work failed and has attempts left: answer non-2xx so QStash retries. */
  | { status: 'retry'; error: string };

/** One step in a saga's timeline. */
export interface TimelineStep extends Omit<StepRecord, 'status'> {
  readonly status: StepRecord['status'];
  readonly irreversible: boolean;
}

/** What `GET …/saga` shows: the saga's status and each step's status, attempts and times. */
export interface SagaTimeline {
  readonly sagaId: string;
  readonly saga: string;
  readonly status: 'pending' | 'running' | 'compensating' | 'completed' | 'aborted';
  readonly reason?: string;
  /** Steps whose compensation gave up. */
  readonly unresolved: readonly string[];
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Stream version the timeline reflects. */
  readonly version: number;
  readonly steps: readonly TimelineStep[];
}

/** Runs one saga definition: messages in, events and next messages out. */
export interface SagaOrchestrator<Input> {
  readonly definition: SagaDefinition<Input>;
  /** The stream of a saga. */
  streamId(sagaId: string): string;
  /**
   * The outbox messages that start a saga, to commit in the caller's own append (e.g. with
   * OrderPlaced): the first step, and the deadline when the saga has one. `version` is the
   * stream's version after that append (0 for a saga-only stream that does not exist yet).
   */
  startMessages(
    sagaId: string,
    input: Input,
    options: { version: number; at: Date; traceHeaders?: Record<string, string> },
  ): OutboxMessage[];
  /** Starts a saga in its own stream: appends SagaStarted with the start messages. */
  start(
    sagaId: string,
    input: Input,
    options?: { at?: Date; traceHeaders?: Record<string, string> } & CallOptions,
  ): Promise<AppendResult>;
  /** Handles one delivered message: runs the work, records the outcome, schedules the next. */
  handle(message: SagaMessage, delivery: SagaDelivery): Promise<SagaHandleResult>;
  /** The saga's timeline; undefined when its stream does not exist. */
  timeline(sagaId: string, options?: CallOptions): Promise<SagaTimeline | undefined>;
  /** Calls the fault hook (routes use it for `before-ack`). */
  inject(point: SagaFaultPoint, at: Parameters<SagaFaults>[1]): Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function retryHeaders(policy: RetryPolicy | undefined, fallback: number): Record<string, string> {
  const { maxAttempts, backoffMs, maxBackoffMs } = retrySettings(policy, fallback);
  return {
    'Upstash-Retries': String(maxAttempts - 1),
    'Upstash-Retry-Delay': `min(${Math.round(maxBackoffMs)}, ${Math.round(backoffMs)} * pow(2, retried))`,
  };
}

/** The store options of a delivery: its signal, and its scope tracing the statements. */
function callOf(delivery: SagaDelivery): CallOptions {
  return { signal: delivery.signal, trace: delivery.scope };
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

function kindOf(command: SagaCommand): SagaMessage['kind'] {
  if (command.type === 'Expire') return 'deadline';
  return command.type === 'RecordCompensation' ? 'compensate' : 'step';
}

type Outcome =
  | { kind: 'ok'; output: unknown }
  | { kind: 'rejected'; reason: string; error: string }
  | { kind: 'failed'; error: string };

/**
 * A durable saga orchestrator over an event store and QStash: every state change is one append
 * (saga events, next message in the outbox, terminal writes of the owner), each step is driven
 * by its own QStash message, so a crash resumes from the last recorded event and QStash supplies
 * the retries. Messages carry the state and the stream version they were scheduled at; a stale
 * duplicate loses the version race, re-reads the stream and is acknowledged.
 * @example const orchestrator = createSagaOrchestrator({ definition, store, endpoint: `${url}/saga/steps` });
 */
export function createSagaOrchestrator<Input>({
  definition,
  store,
  endpoint,
  failureEndpoint = endpoint.replace(/\/steps$/, '/failures'),
  streamId = (sagaId) => `saga-${sagaId}`,
  streamType = 'saga',
  now = () => Date.now(),
  faults,
}: SagaOrchestratorOptions<Input>): SagaOrchestrator<Input> {
  const generic = definition as SagaDefinition<unknown>;
  const deadlineHeaders = (): Record<string, string> =>
    definition.deadlineMs
      ? { 'Upstash-Delay': `${Math.ceil(definition.deadlineMs / 1000)}s`, 'Upstash-Retries': '3' }
      : {};

  function traceOnly(headers: Record<string, string> = {}): Record<string, string> {
    const { traceparent, tracestate } = headers;
    if (!isTraceparent(traceparent)) return {};
    return tracestate ? { traceparent, tracestate } : { traceparent };
  }

  function workMessage(
    kind: 'step' | 'compensate',
    sagaId: string,
    index: number,
    version: number,
    state: SagaState,
    traceHeaders: Record<string, string>,
    start?: SagaStart,
  ): OutboxMessage {
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
  }

  function deadlineMessage(
    sagaId: string,
    traceHeaders: Record<string, string>,
    start?: SagaStart,
  ): OutboxMessage[] {
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
  }

  async function run(
    kind: 'step' | 'compensate',
    sagaId: string,
    index: number,
    input: unknown,
    state: SagaState,
    delivery: SagaDelivery,
  ): Promise<Outcome> {
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

  async function readState(sagaId: string, call: CallOptions) {
    return store.aggregateStream<SagaState, { type: string; data: unknown }>(streamId(sagaId), {
      initialState: initialSagaState,
      evolve: evolveSaga,
      ...call,
    });
  }

  function terminalWrites(
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

  const sagaStreams = commandHandler<SagaState, NewEvent>({
    streamType,
    streamId,
    initialState: initialSagaState,
    evolve: evolveSaga,
    // Someone recorded first (a duplicate delivery, the deadline): decide again on what is there.
    maxRetries: 4,
  });

  async function commit(
    sagaId: string,
    known: { state: SagaState; version: number },
    command: SagaCommand,
    start: SagaStart | undefined,
    delivery: SagaDelivery,
  ): Promise<SagaHandleResult> {
    const traceHeaders = traceOnly(delivery.traceHeaders);
    let decision: SagaDecision | undefined;
    const result = await sagaStreams.handle(
      store,
      sagaId,
      (state, version) => {
        decision = decideSaga(generic, state, command, start);
        if (decision.events.length === 0) return [];
        const terminal = terminalWrites(
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
          outbox.push(workMessage(kind, sagaId, index, nextVersion, decision.state, traceHeaders));
        }
        return { events, outbox, documents: terminal.documents ?? [] };
      },
      {
        guess: known,
        at: command.at,
        metadata: { correlationId: sagaId, ...traceHeaders },
        ...callOf(delivery),
      },
    );
    if (result.status !== 'appended' || !decision) return { status: 'duplicate' };
    const { outcome, state } = decision;
    if (outcome) {
      const started = Date.parse(state.startedAt ?? '');
      delivery.scope?.metrics.recordSaga(
        definition.name,
        outcome,
        outcome === 'aborted' ? (state.reason ?? 'aborted') : undefined,
        Number.isNaN(started) ? undefined : (command.at.getTime() - started) / 1000,
      );
    }
    await faults?.('after-commit', {
      sagaId,
      kind: kindOf(command),
      ...(command.type === 'Expire' ? {} : { index: command.index }),
    });
    return { status: outcome ?? 'advanced', outbox: result.outbox };
  }

  async function handleWork(
    message: Extract<SagaMessage, { kind: 'step' | 'compensate' }>,
    delivery: SagaDelivery,
  ): Promise<SagaHandleResult> {
    const { kind, sagaId, index } = message;
    const step = definition.steps[index];
    if (!step) {
      throw new EdgeMeshError('VALIDATION', `Saga ${definition.name} has no step ${index}.`);
    }
    const start = message.kind === 'step' ? message.start : undefined;
    const input = message.state.status === 'none' ? start?.input : message.state.input;
    const at = { sagaId, kind, index };
    const policy =
      kind === 'step'
        ? retrySettings(step.retry, defaultAttempts.action)
        : retrySettings(step.compensationRetry, defaultAttempts.compensation);
    let outcome: Outcome;
    if (delivery.exhausted) {
      outcome = { kind: 'failed', error: 'QStash gave up delivering this message' };
    } else {
      await faults?.('before-action', at);
      outcome = await run(kind, sagaId, index, input, message.state, delivery);
      await faults?.('after-action', at);
    }
    const final = delivery.exhausted || delivery.attempt >= policy.maxAttempts;
    if (outcome.kind === 'failed' && !final) return { status: 'retry', error: outcome.error };
    const when = new Date(now());
    const attempts = Math.min(delivery.attempt, policy.maxAttempts);
    let command: SagaCommand;
    if (kind === 'step') {
      command =
        outcome.kind === 'ok'
          ? { type: 'RecordStepSuccess', index, output: outcome.output, attempts, at: when }
          : {
              type: 'RecordStepFailure',
              index,
              reason: outcome.kind === 'rejected' ? outcome.reason : 'retries_exhausted',
              error: outcome.error,
              attempts,
              at: when,
            };
    } else {
      command =
        outcome.kind === 'ok'
          ? { type: 'RecordCompensation', index, ok: true, attempts, at: when }
          : {
              type: 'RecordCompensation',
              index,
              ok: false,
              error: outcome.error,
              attempts,
              at: when,
            };
    }
    return commit(
      sagaId,
      { state: message.state, version: message.version },
      command,
      start,
      delivery,
    );
  }

  const orchestrator: SagaOrchestrator<Input> = {
    definition,
    streamId,

    startMessages(sagaId, input, { version, at, traceHeaders = {} }) {
      const start: SagaStart = { sagaId, input, startedAt: at.toISOString() };
      return [
        workMessage('step', sagaId, 0, version, initialSagaState(), traceHeaders, start),
        ...deadlineMessage(sagaId, traceHeaders, start),
      ];
    },

    async start(sagaId, input, { at = new Date(now()), traceHeaders = {}, ...call } = {}) {
      const startedAt = at.toISOString();
      const started = {
        type: 'SagaStarted' as const,
        data: { sagaId, saga: definition.name, input, startedAt },
      };
      const state = evolveSaga(initialSagaState(), started);
      return store.append(streamId(sagaId), [started], {
        streamType,
        expectedVersion: 'no_stream',
        at,
        metadata: { correlationId: sagaId, ...traceOnly(traceHeaders) },
        outbox: [
          workMessage('step', sagaId, 0, 1, state, traceHeaders),
          ...deadlineMessage(sagaId, traceHeaders),
        ],
        ...call,
      });
    },

    async handle(message, delivery) {
      if (message.saga !== definition.name) {
        throw new EdgeMeshError(
          'VALIDATION',
          `This endpoint runs saga ${definition.name}, not ${message.saga}.`,
        );
      }
      if (message.kind === 'deadline') {
        const fresh = await readState(message.sagaId, callOf(delivery));
        return commit(
          message.sagaId,
          fresh,
          { type: 'Expire', at: new Date(now()) },
          message.start,
          delivery,
        );
      }
      return handleWork(message, delivery);
    },

    async timeline(sagaId, call = {}) {
      const { state, version } = await readState(sagaId, call);
      if (version === 0) return undefined;
      const running = state.status === 'running';
      const steps = definition.steps.map((step, index): TimelineStep => {
        const recorded = state.steps[index];
        const irreversible = step.irreversible === true;
        if (recorded) return { ...recorded, irreversible };
        const isCurrent = running && state.current === index;
        const startedAt = isCurrent
          ? (state.steps[index - 1]?.endedAt ?? state.startedAt)
          : undefined;
        return {
          name: step.name,
          status: isCurrent ? 'running' : 'pending',
          attempts: 0,
          irreversible,
          ...(startedAt ? { startedAt } : {}),
        };
      });
      return {
        sagaId,
        saga: definition.name,
        status: state.status === 'none' ? 'pending' : state.status,
        ...(state.reason ? { reason: state.reason } : {}),
        unresolved: state.unresolved,
        ...(state.startedAt ? { startedAt: state.startedAt } : {}),
        ...(state.endedAt ? { endedAt: state.endedAt } : {}),
        version,
        steps,
      };
    },

    async inject(point, at) {
      await faults?.(point, at);
    },
  };
  return orchestrator;
}
