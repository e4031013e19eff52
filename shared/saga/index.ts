export {
  defaultAttempts,
  defineSaga,
  isStepRejected,
  sagaLimits,
  StepRejectedError,
  type RetryPolicy,
  type SagaDefinition,
  type StepContext,
  type StepDefinition,
  type TerminalContext,
  type TerminalWrites,
} from './definition.ts';
export { sagaEventSchemas, sagaEventTypes, isSagaEvent, type SagaEvent } from './events.ts';
export {
  evolveSaga,
  initialSagaState,
  isTerminal,
  type SagaState,
  type SagaStatus,
  type StepRecord,
} from './state.ts';
export {
  compensationPlan,
  decideSaga,
  pivotIndex,
  type NextWork,
  type SagaCommand,
  type SagaDecision,
  type SagaStart,
} from './decide.ts';
export { sagaMessageSchema, type SagaMessage } from './messages.ts';
export {
  createSagaOrchestrator,
  type SagaDelivery,
  type SagaFaultPoint,
  type SagaFaults,
  type SagaHandleResult,
  type SagaOrchestrator,
  type SagaOrchestratorOptions,
  type SagaTimeline,
  type TimelineStep,
} from './orchestrator.ts';
export { sagaRoutes, type MessageVerifier, type SagaRoutesOptions } from './routes.ts';
export { sagaTimelineSchema } from './timeline-schema.ts';
export { tccSaga, type TccParticipant, type TccSagaOptions } from './tcc.ts';
