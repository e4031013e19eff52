import type { SagaDefinition } from './definition.ts';
import type { SagaTimeline, TimelineStep } from './orchestrator-types.ts';
import type { SagaState } from './state.ts';

/**
 * The timeline of a saga folded to `state` at stream `version`: recorded steps as recorded, the
 * current one `running` since the previous step ended, the rest `pending`.
 */
export function sagaTimeline<Input>(
  definition: SagaDefinition<Input>,
  sagaId: string,
  state: SagaState,
  version: number,
): SagaTimeline {
  const running = state.status === 'running';
  const steps = definition.steps.map((step, index): TimelineStep => {
    const recorded = state.steps[index];
    const irreversible = step.irreversible === true;
    if (recorded) return { ...recorded, irreversible };
    const isCurrent = running && state.current === index;
    const startedAt = isCurrent ? (state.steps[index - 1]?.endedAt ?? state.startedAt) : undefined;
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
}
