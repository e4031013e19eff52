import { z } from 'zod';
import type { BreakerOptions } from '../breaker/index.ts';
import { chaosSettingsSchema } from '../chaos/index.ts';
import { flagsSettings } from '../config/index.ts';
import type { CallPolicy } from './deps.ts';

const ms = (max: number) => z.number().int().min(1).max(max);

/** Breaker settings every function may change live (see `BreakerOptions` for meanings). */
const breakerSettings = z
  .object({
    windowType: z.enum(['count', 'time']).optional(),
    windowSize: z.number().int().min(1).max(10_000).optional(),
    minimumCalls: z.number().int().min(1).max(10_000).optional(),
    failureRateThreshold: z.number().min(1).max(100).optional(),
    slowCallRateThreshold: z.number().min(1).max(100).optional(),
    slowCallDurationMs: ms(600_000).optional(),
    waitInOpenMs: ms(600_000).optional(),
    permittedCallsInHalfOpen: z.number().int().min(1).max(1_000).optional(),
    /** An operator's override per called service: `open` fails fast, `closed` always calls. */
    force: z.record(z.string(), z.enum(['open', 'closed'])).optional(),
  })
  .prefault({});

/** How one dependency is called, changed live: timeouts, retries, balancer and weights. */
const callSettings = z.object({
  /** Timeout of one attempt, ms. */
  attemptTimeoutMs: ms(600_000).optional(),
  /** Deadline of a call including its retries, ms. */
  deadlineMs: ms(600_000).optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(10).optional(),
      baseDelayMs: z.number().int().min(0).max(60_000).optional(),
      maxDelayMs: z.number().int().min(0).max(600_000).optional(),
    })
    .optional(),
  /** Share of calls that may be retries, and the window it is counted over. */
  retryBudget: z
    .object({ ratio: z.number().min(0).max(1).optional(), windowMs: ms(600_000).optional() })
    .optional(),
  balancer: z
    .enum(['round-robin', 'random', 'weighted', 'least-latency', 'power-of-two'])
    .optional(),
  /** Weight per endpoint URL, for the weighted balancer. */
  weights: z.record(z.string(), z.number().min(0).max(1_000)).optional(),
});

/**
 * What every function's live settings hold besides its own: the policies of its calls and
 * breaker, its rate limits, log level, trace sampling and feature flags. Every field is
 * optional: what is unset keeps the function's declaration or its env.
 */
export const toolkitSettings = z.object({
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  tracing: z.object({ sampleRatio: z.number().min(0).max(1).optional() }).prefault({}),
  breaker: breakerSettings,
  calls: z.record(z.string(), callSettings).prefault({}),
  rateLimits: z
    .record(
      z.string(),
      z.object({
        limit: z.number().int().min(1).max(1_000_000).optional(),
        windowMs: z.number().int().min(1_000).max(86_400_000).optional(),
      }),
    )
    .prefault({}),
  flags: flagsSettings,
  /** Fault rules by id and the kill switch; applied only where `CHAOS_ENABLED=true`. */
  chaos: chaosSettingsSchema,
});

/** The toolkit's part of the settings, as parsed. */
export type ToolkitSettings = z.output<typeof toolkitSettings>;

/** The schema of a function's live settings: the toolkit's, extended with its own. */
export function settingsSchemaOf(own: z.ZodObject | undefined): z.ZodObject {
  return own ? toolkitSettings.extend(own.shape) : toolkitSettings;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Breaker options: the declaration's, overridden by the settings in force. */
export function breakerOptionsOf(
  declared: BreakerOptions | undefined,
  settings: ToolkitSettings,
): BreakerOptions {
  return { ...declared, ...defined({ ...settings.breaker, force: undefined }) };
}

/** The live part of a call policy that the service client has no option for directly. */
export type LiveCallSettings = Pick<
  z.output<typeof callSettings>,
  'balancer' | 'weights' | 'retryBudget'
>;

/**
 * The policy of calls to `service`: the declaration's, with its timeouts and retries overridden
 * by the settings in force, and the live balancer, weights and retry budget beside it.
 */
export function callPolicyOf(
  service: string,
  declared: CallPolicy,
  settings: ToolkitSettings,
): { policy: CallPolicy; live: LiveCallSettings } {
  const { retry, attemptTimeoutMs, deadlineMs, ...live } = settings.calls[service] ?? {};
  return {
    policy: {
      ...declared,
      ...defined({ attemptTimeoutMs, deadlineMs }),
      ...(retry && declared.retry !== false
        ? { retry: { ...declared.retry, ...defined(retry) } }
        : {}),
    },
    live,
  };
}
