// Settings schemas of two made-up services, as their service.ts files would declare them.
import * as z from 'zod';
import { flagsSettings } from '../../../../shared/config/flags.ts';

export const ordersSettings = z.object({
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  traceSampleRatio: z.number().min(0).max(1).default(1),
  breaker: z
    .object({
      failureRateThreshold: z.number().min(1).max(100).default(50),
      windowSize: z.number().int().min(1).default(100),
    })
    .prefault({}),
  inventory: z
    .object({ attemptTimeoutMs: z.number().int().positive().default(1_000) })
    .prefault({}),
  flags: flagsSettings,
});

export const paymentsSettings = z.object({
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  captureDelayMs: z.number().int().min(0).default(0),
});
