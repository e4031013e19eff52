// What each function must be given at deployment, from its definition alone: the secrets (for
// `wrangler secret bulk`, a Kubernetes Secret, Deno Deploy's env) and the plain settings (a
// ConfigMap, wrangler vars), so no deployment list can drift from what the function reads.
import { serviceUrlVariable } from '../../shared/discovery/index.ts';
import {
  productionSecretsOf,
  selfUrlVariable,
  type ServiceDefinition,
} from '../../shared/service/index.ts';
import { subscriptionsOf } from '../../shared/service/definition.ts';

type Declared = Pick<
  ServiceDefinition,
  'name' | 'access' | 'calls' | 'outbox' | 'subscriptions' | 'schedules'
>;

/** Secrets every function needs: Postgres and Redis credentials. */
const storageSecrets = ['DATABASE_URL', 'UPSTASH_REDIS_REST_TOKEN'];

/** The secrets a function needs in production, in a stable order. */
export function secretsOf(definition: Declared): string[] {
  return [...storageSecrets, ...productionSecretsOf(definition)];
}

/** Whether QStash delivers to the function (subscriptions, schedules, its outbox sweep). */
export function receivesFromQstash(definition: Declared): boolean {
  return (
    Boolean(definition.outbox) ||
    subscriptionsOf(definition).length > 0 ||
    (definition.schedules?.length ?? 0) > 0
  );
}

/**
 * The plain settings of a function, with the value each deployment starts from: `''` where only
 * the deployment knows it (URLs of Upstash and of the services it calls).
 */
export function settingsOf(definition: Declared): Record<string, string> {
  const settings: Record<string, string> = {
    EDGEMESH_ENV: 'production',
    LOG_LEVEL: 'info',
    UPSTASH_REDIS_REST_URL: '',
  };
  if (definition.outbox) settings.QSTASH_URL = 'https://qstash.upstash.io';
  if (receivesFromQstash(definition)) settings[selfUrlVariable(definition.name)] = '';
  for (const service of Object.keys(definition.calls ?? {}).sort()) {
    settings[serviceUrlVariable(service)] = '';
  }
  return settings;
}

/** The services whose calls a function admits: its `access` lists and every function calling it. */
export function callersOf(definition: Declared, all: readonly Declared[]): string[] {
  const declared = Object.values(definition.access ?? {})
    .flat()
    .filter((caller): caller is string => caller !== undefined && caller !== 'operator');
  const calling = all
    .filter((other) => Object.keys(other.calls ?? {}).includes(definition.name))
    .map((other) => other.name);
  return [...new Set([...declared, ...calling])].sort();
}
