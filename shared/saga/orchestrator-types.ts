import type {
  AppendResult,
  CallOptions,
  EventStore,
  OutboxMessage,
  OutboxRecord,
} from '../event-store/event-store.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import type { SagaDefinition } from './definition.ts';
import type { DriveOptions } from './inline.ts';
import type { SagaMessage } from './messages.ts';
import type { StepRecord } from './state.ts';

/** Where a fault can be injected while a message is handled (tests and chaos only). */
export type SagaFaultPoint =
  | 'before-action'
  | 'after-action'
  | 'after-commit'
  | 'before-ack'
  /** After a commit, before its next step runs inline in the same invocation. */
  | 'before-inline';

/** Called at each fault point; throwing there simulates a crash at that point. */
export type SagaFaults = (
  point: SagaFaultPoint,
  at: { sagaId: string; kind: SagaMessage['kind']; index?: number },
) => void | Promise<void>;

/** Options of `createSagaOrchestrator`. */
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
  /** Sagas one isolate runs inline at once; more wait in QStash under flow control. Default 16. */
  maxInline?: number;
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
  /**
   * Set when the work runs inline, straight after the commit that wrote its message: that
   * message's outbox row, which the commit of its outcome marks done.
   */
  outboxId?: string;
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
  /**
   * Carries on what an append just committed, in this invocation (inside `waitUntil`): relays
   * its other rows and runs its saga work inline, step after step. Never rejects.
   */
  drive(rows: readonly OutboxRecord[], options: DriveOptions): Promise<void>;
  /** Handles one delivered message: runs the work, records the outcome, schedules the next. */
  handle(message: SagaMessage, delivery: SagaDelivery): Promise<SagaHandleResult>;
  /** The saga's timeline; undefined when its stream does not exist. */
  timeline(sagaId: string, options?: CallOptions): Promise<SagaTimeline | undefined>;
  /** Calls the fault hook (routes use it for `before-ack`). */
  inject(point: SagaFaultPoint, at: Parameters<SagaFaults>[1]): Promise<void>;
}
