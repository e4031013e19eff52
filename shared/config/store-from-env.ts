import * as z from 'zod';
import { createRedis } from '../redis/upstash.ts';
import type { ConfigStore } from './config-store.ts';
import { etcdConfigStore } from './etcd-store.ts';
import { upstashConfigStore } from './upstash-store.ts';
import { httpUrl } from './vars.ts';

const nonEmpty = z.string().trim().min(1);

/** Key prefix of every settings document; default the adapter's own. */
const prefixVar = { EDGEMESH_CONFIG_PREFIX: nonEmpty.optional() };

/**
 * Where live settings are kept: `EDGEMESH_CONFIG_STORE` (default `upstash`), its backend's
 * variables, and `EDGEMESH_CONFIG_PREFIX` (default `edgemesh:config:` on Redis,
 * `/edgemesh/config/` on etcd).
 */
export const configStoreVars = z.discriminatedUnion('EDGEMESH_CONFIG_STORE', [
  z.object({
    EDGEMESH_CONFIG_STORE: z.literal('upstash').default('upstash'),
    UPSTASH_REDIS_REST_URL: httpUrl,
    UPSTASH_REDIS_REST_TOKEN: nonEmpty,
    ...prefixVar,
  }),
  z.object({
    EDGEMESH_CONFIG_STORE: z.literal('etcd'),
    /** etcd's client URL (its HTTP/JSON gateway), e.g. `http://127.0.0.1:2379`. */
    ETCD_URL: httpUrl,
    ...prefixVar,
  }),
]);

/** The parsed `configStoreVars`. */
export type ConfigStoreConfig = z.infer<typeof configStoreVars>;

/** Options of `configStoreFromConfig`. */
export interface ConfigStoreFromConfigOptions {
  /** The platform's fetch, for etcd. */
  fetch?: typeof fetch;
  /** `stream` where the runtime can hold a watch stream across requests; `poll` in workerd. */
  watchMode?: 'stream' | 'poll';
}

/**
 * The ConfigStore that `config` names: Upstash Redis by default, etcd with
 * `EDGEMESH_CONFIG_STORE=etcd`.
 * @example const store = configStoreFromConfig(loadConfig(env, configStoreVars), { fetch: runtime.fetch });
 */
export function configStoreFromConfig(
  config: ConfigStoreConfig,
  { fetch, watchMode }: ConfigStoreFromConfigOptions = {},
): ConfigStore {
  const prefix = config.EDGEMESH_CONFIG_PREFIX ? { prefix: config.EDGEMESH_CONFIG_PREFIX } : {};
  if (config.EDGEMESH_CONFIG_STORE === 'etcd') {
    return etcdConfigStore({
      url: config.ETCD_URL,
      ...prefix,
      ...(fetch ? { fetch } : {}),
      ...(watchMode ? { watchMode } : {}),
    });
  }
  return upstashConfigStore(createRedis(config), prefix);
}
