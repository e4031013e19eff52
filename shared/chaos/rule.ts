import * as z from 'zod';

const ms = (max: number) => z.number().int().min(0).max(max);

/** Waits `ms ± jitterMs` (uniform, never below 0) before the work goes on. */
const latency = z.object({
  kind: z.literal('latency'),
  ms: ms(600_000),
  jitterMs: ms(600_000).default(0),
});
/** Answers `status` with a problem+json body instead of doing the work. */
const error = z.object({
  kind: z.literal('error'),
  status: z.number().int().min(400).max(599).default(503),
  detail: z.string().max(500).optional(),
});
/** The work never answers: it hangs until the caller gives up, or fails after `afterMs`. */
const abort = z.object({ kind: z.literal('abort'), afterMs: ms(600_000).optional() });
/** The connection is reset: a call fails at once, a response's body breaks off. */
const reset = z.object({ kind: z.literal('reset') });
/** The response body trickles at `bytesPerSecond`. */
const slowBody = z.object({
  kind: z.literal('slow-body'),
  bytesPerSecond: z.number().int().min(1).max(100_000_000),
});
/** A QStash delivery is handled, then answered 500: its acknowledgement is lost, so it comes again. */
const dropAck = z.object({ kind: z.literal('drop-ack') });
/** A QStash delivery arrives twice, at the same time. */
const duplicate = z.object({ kind: z.literal('duplicate') });
/** A QStash delivery waits `ms` before it is handled. */
const delay = z.object({ kind: z.literal('delay'), ms: ms(600_000) });
/** A Postgres statement, a Redis call or a QStash publish fails. */
const fail = z.object({ kind: z.literal('fail') });

/** What a rule does where it matches, by `kind`. */
export const faultSchema = z.discriminatedUnion('kind', [
  latency,
  error,
  abort,
  reset,
  slowBody,
  dropAck,
  duplicate,
  delay,
  fail,
]);
export type Fault = z.output<typeof faultSchema>;
export type FaultKind = Fault['kind'];

/** Dependencies below the functions that a rule can target besides another service. */
export const storageDependencies = ['postgres', 'redis', 'qstash'] as const;

/** Where a fault is injected: inbound requests, QStash deliveries, calls out, or storage. */
export type ChaosSeam = 'inbound' | 'delivery' | 'call' | (typeof storageDependencies)[number];

const httpKinds: readonly FaultKind[] = ['latency', 'error', 'abort', 'reset', 'slow-body'];
const deliveryKinds: readonly FaultKind[] = ['drop-ack', 'duplicate', 'delay'];
const storageKinds: readonly FaultKind[] = ['latency', 'fail'];

/** A route template, `POST /payments/:id/confirm` or `/payments/:id` (any method). */
const routeTemplate = z
  .string()
  .regex(/^(?:[A-Z]+ )?\/[\w\-./:*]*$/, { message: 'expected "[METHOD ]/path/:param"' });

const serviceName = z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'expected a service name' });

/**
 * One fault rule: what (`fault`), where (`service`, `route`, `dependency`, `experiment`), how
 * often (`percentage`) and when (`startsAt`, mandatory `expiresAt`).
 */
export const chaosRuleSchema = z
  .object({
    fault: faultSchema,
    /** The function that injects it; every function when absent. */
    service: serviceName.optional(),
    /** Requests (or, with a service `dependency`, calls) whose path matches; all when absent. */
    route: routeTemplate.optional(),
    /** Calls to this service, or `postgres`, `redis`, `qstash`; absent: requests to the function. */
    dependency: serviceName.optional(),
    /** Only requests carrying `x-chaos-experiment: <experiment>`. */
    experiment: z
      .string()
      .regex(/^[\w.:-]{1,100}$/, {
        message: 'expected 1-100 letters, digits, ".", ":", "-" or "_" (it travels in tracestate)',
      })
      .optional(),
    /** Share of matching requests or calls it hits, 0–100. Default 100. */
    percentage: z.number().min(0).max(100).default(100),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    /** Required: a forgotten experiment ends by itself. */
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .superRefine((rule, ctx) => {
    const allowed = !rule.dependency
      ? [...httpKinds, ...deliveryKinds]
      : isStorage(rule.dependency)
        ? storageKinds
        : httpKinds;
    if (!allowed.includes(rule.fault.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['fault', 'kind'],
        message: `${rule.fault.kind} does not apply to ${rule.dependency ?? 'requests'}; expected one of ${allowed.join(', ')}`,
      });
    }
    if (isStorage(rule.dependency) && (rule.route || rule.experiment)) {
      ctx.addIssue({
        code: 'custom',
        path: [rule.route ? 'route' : 'experiment'],
        message: `${rule.dependency} calls have no route or experiment header to match`,
      });
    }
    if (rule.startsAt && Date.parse(rule.startsAt) >= Date.parse(rule.expiresAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'expected after startsAt' });
    }
  });
export type ChaosRule = z.output<typeof chaosRuleSchema>;

function isStorage(dependency: string | undefined): dependency is ChaosSeam {
  return (storageDependencies as readonly (string | undefined)[]).includes(dependency);
}

/** The seam a rule applies at: derived from its dependency and, for requests, its kind. */
export function seamOf(rule: Pick<ChaosRule, 'dependency' | 'fault'>): ChaosSeam {
  if (isStorage(rule.dependency)) return rule.dependency;
  if (rule.dependency) return 'call';
  return deliveryKinds.includes(rule.fault.kind) ? 'delivery' : 'inbound';
}

/**
 * The `chaos` part of every function's live settings: rules by id, and the kill switch. `halt`
 * can only be `true` (or unset), so a service's document cannot undo a global halt.
 */
export const chaosSettingsSchema = z
  .object({
    /** The kill switch: while set, no rule is injected anywhere it is seen. */
    halt: z.literal(true).optional(),
    rules: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected a rule id' }),
        chaosRuleSchema,
      )
      .prefault({}),
  })
  .prefault({});
export type ChaosSettings = z.output<typeof chaosSettingsSchema>;
