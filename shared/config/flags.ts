import * as z from 'zod';

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

/** One feature flag in a settings document. */
export const flagSettings = z.object({
  /** Off switch: a disabled flag is off for everyone. Default false. */
  enabled: z.boolean().default(false),
  /** Share of targeting keys (e.g. customers) the flag is on for, percent 0–100. Default 100. */
  percentage: z.number().min(0).max(100).default(100),
  /** What a string, number or object flag serves while on; booleans serve `true`. */
  value: jsonValue.optional(),
});

/** One flag as parsed: defaults filled in. */
export type FlagSettings = z.output<typeof flagSettings>;

/** Flags by name (letters, digits, `.`, `_`, `-`); add as `flags: flagsSettings` to a schema. */
export const flagsSettings = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a flag name'), flagSettings)
  .default({});

/** Flags by name, as parsed. */
export type FlagsSettings = z.output<typeof flagsSettings>;

/** How a flag evaluated, in OpenFeature's terms. */
export interface FlagEvaluation {
  readonly on: boolean;
  /** `STATIC` (on for all), `SPLIT` (percentage rollout), `DISABLED`, or `ERROR`. */
  readonly reason: 'STATIC' | 'SPLIT' | 'DISABLED' | 'ERROR';
  readonly errorCode?: 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING';
}

const encoder = new TextEncoder();

/**
 * The rollout bucket (0–9,999) of a targeting key for a flag: FNV-1a over the UTF-8 of
 * `flag` NUL `key`, finished with murmur3's fmix32 for avalanche. Deterministic on every
 * runtime, so a customer keeps their answer everywhere; a flag's name salts it, so the same
 * customers are not first in every rollout.
 */
export function rolloutBucket(flag: string, targetingKey: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(`${flag}\u0000${targetingKey}`)) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 10_000;
}

/** Evaluates flag `name` of `flags` for a targeting key; a missing flag is off. */
export function evaluateFlag(
  flags: Readonly<Record<string, FlagSettings>>,
  name: string,
  targetingKey?: string,
): FlagEvaluation {
  const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
  if (!flag) return { on: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' };
  if (!flag.enabled || flag.percentage <= 0) return { on: false, reason: 'DISABLED' };
  if (flag.percentage >= 100) return { on: true, reason: 'STATIC' };
  if (!targetingKey) return { on: false, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' };
  return { on: rolloutBucket(name, targetingKey) < flag.percentage * 100, reason: 'SPLIT' };
}

/**
 * True when flag `name` is on for `targetingKey`: a synchronous read of the settings in force,
 * for handlers that do not go through OpenFeature.
 * @example if (isFlagOn(deps.settings.current().flags, 'new-checkout', customerId)) …
 */
export function isFlagOn(
  flags: Readonly<Record<string, FlagSettings>>,
  name: string,
  targetingKey?: string,
): boolean {
  return evaluateFlag(flags, name, targetingKey).on;
}
