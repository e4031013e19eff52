import type { Run } from './model.ts';

interface StepLog {
  stepId: number;
  stepName: string;
  stepType: string;
  callType: 'step';
  messageId: string;
  out?: unknown;
  concurrent: number;
  state: 'STEP_SUCCESS';
  createdAt: number;
  headers: Record<string, string[]>;
  [field: string]: unknown;
}

/** The steps that finished, as the run log lists them (plan steps of parallel branches left out). */
function stepLogs(run: Run): StepLog[] {
  return run.steps.slice(1).flatMap((stored) => {
    let step: Record<string, unknown>;
    try {
      step = JSON.parse(stored.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return [];
    }
    if (step.stepId === 0) return [];
    const { stepId, stepName, stepType, concurrent, ...rest } = step;
    return [
      {
        ...rest,
        stepId: Number(stepId),
        stepName: String(stepName),
        stepType: String(stepType),
        callType: 'step' as const,
        messageId: stored.messageId,
        concurrent: Number(concurrent ?? 1),
        state: 'STEP_SUCCESS' as const,
        createdAt: stored.createdAt,
        headers: {},
      },
    ];
  });
}

/** Steps grouped as the run log shows them: one group per step, or per set of parallel steps. */
function groups(steps: StepLog[]) {
  const grouped: Array<{ type: 'sequential' | 'parallel'; steps: StepLog[] }> = [];
  for (const step of steps) {
    const last = grouped.at(-1);
    if (step.concurrent > 1 && last?.type === 'parallel' && last.steps.length < step.concurrent)
      last.steps.push(step);
    else grouped.push({ type: step.concurrent > 1 ? 'parallel' : 'sequential', steps: [step] });
  }
  return grouped;
}

/** One run of `GET /v2/workflows/events` (the SDK's `WorkflowRunLog`). */
export function runLog(run: Run): Record<string, unknown> {
  return {
    workflowRunId: run.id,
    workflowUrl: run.url,
    workflowState: run.state,
    workflowRunCreatedAt: run.createdAt,
    ...(run.completedAt !== undefined ? { workflowRunCompletedAt: run.completedAt } : {}),
    ...(run.result !== undefined ? { workflowRunResponse: run.result } : {}),
    ...(run.labels?.length ? { label: run.labels[0] } : {}),
    ...(run.dlqId ? { dlqId: run.dlqId } : {}),
    ...(run.invoker
      ? {
          invoker: {
            workflowRunId: run.invoker.runId,
            workflowUrl: run.invoker.url,
            workflowRunCreatedAt: run.invoker.createdAt,
          },
        }
      : {}),
    steps: groups(stepLogs(run)),
  };
}
