import type { CallOptions } from '../event-store/event-store.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { callOf, sagaCommit } from './commit.ts';
import type { SagaStart } from './decide.ts';
import { workHandler } from './handle-work.ts';
import { inlineDriver } from './inline.ts';
import { sagaMessageBuilders, traceOnly } from './message-builders.ts';
import type { SagaOrchestrator, SagaOrchestratorOptions } from './orchestrator-types.ts';
import { evolveSaga, initialSagaState, type SagaState } from './state.ts';
import { sagaTimeline } from './timeline.ts';

export type {
  SagaDelivery,
  SagaFaultPoint,
  SagaFaults,
  SagaHandleResult,
  SagaOrchestrator,
  SagaOrchestratorOptions,
  SagaTimeline,
  TimelineStep,
} from './orchestrator-types.ts';

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
  maxInline,
}: SagaOrchestratorOptions<Input>): SagaOrchestrator<Input> {
  const messages = sagaMessageBuilders(definition, endpoint, failureEndpoint);
  const commit = sagaCommit({ definition, store, streamId, streamType, messages, faults });

  async function readState(sagaId: string, call: CallOptions) {
    return store.aggregateStream<SagaState, { type: string; data: unknown }>(streamId(sagaId), {
      initialState: initialSagaState,
      evolve: evolveSaga,
      ...call,
    });
  }

  const handleWork = workHandler({ definition, now, faults, commit, read: readState });
  const drive = inlineDriver({
    definition,
    endpoint,
    faults,
    handle: handleWork,
    ...(maxInline === undefined ? {} : { maxInline }),
  });

  const orchestrator: SagaOrchestrator<Input> = {
    definition,
    streamId,

    startMessages(sagaId, input, { version, at, traceHeaders = {} }) {
      const start: SagaStart = { sagaId, input, startedAt: at.toISOString() };
      return [
        messages.workMessage('step', sagaId, 0, version, initialSagaState(), traceHeaders, start),
        ...messages.deadlineMessage(sagaId, traceHeaders, start),
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
          messages.workMessage('step', sagaId, 0, 1, state, traceHeaders),
          ...messages.deadlineMessage(sagaId, traceHeaders),
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

    drive,

    async timeline(sagaId, call = {}) {
      const { state, version } = await readState(sagaId, call);
      if (version === 0) return undefined;
      return sagaTimeline(definition, sagaId, state, version);
    },

    async inject(point, at) {
      await faults?.(point, at);
    },
  };
  return orchestrator;
}
