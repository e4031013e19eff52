import { z } from 'zod';
import { EdgeMeshError } from '../errors/index.ts';

const flag = z.enum(['true', 'false']).default('false');

/** The variables that let a function inject faults at all. */
export const chaosVars = z.object({
  /** `true`: the function applies the chaos rules of its live settings. Default `false`. */
  CHAOS_ENABLED: flag,
  /** `true`: lets `CHAOS_ENABLED` work where `EDGEMESH_ENV` is `production`. Default `false`. */
  CHAOS_ALLOW_PRODUCTION: flag,
});

/**
 * Whether this function may inject faults: `CHAOS_ENABLED=true`, and in production also
 * `CHAOS_ALLOW_PRODUCTION=true`. Chaos enabled in production without it is a CONFIG error, so a
 * stray variable cannot turn a deployment into an experiment.
 */
export function chaosAllowed(config: {
  CHAOS_ENABLED: 'true' | 'false';
  CHAOS_ALLOW_PRODUCTION: 'true' | 'false';
  EDGEMESH_ENV: 'production' | 'development';
}): boolean {
  if (config.CHAOS_ENABLED !== 'true') return false;
  if (config.EDGEMESH_ENV === 'production' && config.CHAOS_ALLOW_PRODUCTION !== 'true') {
    throw new EdgeMeshError(
      'CONFIG',
      'invalid configuration: CHAOS_ENABLED=true in production needs CHAOS_ALLOW_PRODUCTION=true',
    );
  }
  return true;
}
