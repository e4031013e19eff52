import * as z from 'zod';

const step = z.object({
  name: z.string(),
  status: z.enum([
    'pending',
    'running',
    'succeeded',
    'failed',
    'compensated',
    'compensation_failed',
  ]),
  attempts: z.number().int(),
  irreversible: z.boolean(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  reason: z.string().optional(),
  error: z.string().optional(),
  compensation: z
    .object({ attempts: z.number().int(), at: z.string(), error: z.string().optional() })
    .optional(),
});

/** The schema of a {@link SagaTimeline}, as `GET …/saga` answers it (its OpenAPI response). */
export const sagaTimelineSchema = z.object({
  sagaId: z.string(),
  saga: z.string(),
  status: z.enum(['pending', 'running', 'compensating', 'completed', 'aborted']),
  reason: z.string().optional(),
  unresolved: z.array(z.string()),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  version: z.number().int(),
  steps: z.array(step),
});
