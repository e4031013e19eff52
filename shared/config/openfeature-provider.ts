import { ErrorCode, type EvaluationContext, type ResolutionDetails } from '@openfeature/core';
import type { JsonValue, Provider } from '@openfeature/server-sdk';
import { evaluateFlag, type FlagSettings } from './flags.ts';

type Flags = Readonly<Record<string, FlagSettings>>;

/**
 * An OpenFeature server provider whose flags are those of the settings in force (see
 * `flagsSettings`): handlers ask OpenFeature, and a team can swap in its flag vendor's provider
 * without touching them. `readFlags` is called on every evaluation, so it must be the cache's
 * zero-I/O read, e.g. `() => settings.current().flags`. The targeting key is
 * `context.targetingKey`. A boolean flag that is off answers `false` (as `isFlagOn` does);
 * other types answer the caller's default while off. Register it with `@openfeature/server-sdk` (Deno and Node; workerd
 * needs the `nodejs_compat` flag for that SDK's `node:events` and `async_hooks`).
 * @example await OpenFeature.setProviderAndWait(settingsFlagProvider(() => cache.current().flags));
 */
export function settingsFlagProvider(readFlags: () => Flags): Provider {
  function resolve<T>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    serve: (flag: FlagSettings) => T | undefined,
    offValue: T = defaultValue,
  ): Promise<ResolutionDetails<T>> {
    const flags = readFlags();
    const evaluation = evaluateFlag(flags, flagKey, context.targetingKey);
    if (evaluation.errorCode) {
      return Promise.resolve({
        value: defaultValue,
        reason: 'ERROR',
        errorCode: ErrorCode[evaluation.errorCode],
        errorMessage:
          evaluation.errorCode === 'FLAG_NOT_FOUND'
            ? `no flag "${flagKey}" in the settings`
            : `flag "${flagKey}" is a percentage rollout and needs a targetingKey`,
      });
    }
    if (!evaluation.on) {
      return Promise.resolve({ value: offValue, reason: evaluation.reason, variant: 'off' });
    }
    const served = serve(flags[flagKey]!);
    if (served === undefined) {
      return Promise.resolve({
        value: defaultValue,
        reason: 'ERROR',
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `flag "${flagKey}" has no value of the type asked for`,
      });
    }
    return Promise.resolve({ value: served, reason: evaluation.reason, variant: 'on' });
  }

  const typed =
    <T>(type: 'string' | 'number') =>
    (flag: FlagSettings): T | undefined =>
      typeof flag.value === type ? (flag.value as T) : undefined;

  return {
    metadata: { name: 'edgemesh settings' },
    runsOn: 'server',
    resolveBooleanEvaluation: (flagKey, defaultValue, context) =>
      resolve(flagKey, defaultValue, context, () => true, false),
    resolveStringEvaluation: (flagKey, defaultValue, context) =>
      resolve(flagKey, defaultValue, context, typed<string>('string')),
    resolveNumberEvaluation: (flagKey, defaultValue, context) =>
      resolve(flagKey, defaultValue, context, typed<number>('number')),
    resolveObjectEvaluation: <T extends JsonValue>(
      flagKey: string,
      defaultValue: T,
      context: EvaluationContext,
    ) =>
      resolve(flagKey, defaultValue, context, (flag) =>
        typeof flag.value === 'object' && flag.value !== null ? (flag.value as T) : undefined,
      ),
  };
}
