import * as z from 'zod';

/** The settings of the bench's made-up service: one value the bench changes every round. */
export const benchSettings = z.object({
  round: z.number().int().min(0).default(0),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  breaker: z.object({ failureRateThreshold: z.number().min(1).max(100).default(50) }).prefault({}),
});
