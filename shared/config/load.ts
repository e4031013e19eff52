import type * as z from 'zod';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { Env } from '../runtime/runtime.ts';

function describeIssue(issue: z.core.$ZodIssue, env: Env): string {
  const name = issue.path.join('.');
  const raw = env[name];
  if (raw === undefined || raw === '') return `${name} is missing`;
  return `${name} is invalid (${issue.message})`;
}

/**
 * Parses `env` with a zod object schema into a frozen, typed config.
 * Throws one CONFIG error whose message names every bad variable on one line.
 * @example const config = loadConfig(env, z.object({ DATABASE_URL: postgresUrl }));
 */
export function loadConfig<Schema extends z.ZodType>(
  env: Env,
  schema: Schema,
): Readonly<z.infer<Schema>> {
  // An empty variable means unset, as in shells and dotenv files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, env));
    throw new EdgeMeshError('CONFIG', `invalid configuration: ${problems.join('; ')}`, {
      cause: result.error,
    });
  }
  return Object.freeze(result.data);
}
