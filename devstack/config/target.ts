import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import type { ConfigStore } from '../../shared/config/config-store.ts';
import { etcdConfigStore } from '../../shared/config/etcd-store.ts';
import { upstashConfigStore } from '../../shared/config/upstash-store.ts';
import { repoRoot, stateDir } from '../paths.ts';

/** Variables of a dotenv file such as `.dev.vars` (values may be JSON-quoted). */
export function readDevVars(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(file)) return vars;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!;
    vars[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return vars;
}

function etcdFromEndpoints(): string | undefined {
  const file = join(stateDir, 'endpoints.json');
  if (!existsSync(file)) return undefined;
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as { etcd?: { url?: string } | string };
  return typeof endpoints.etcd === 'string' ? endpoints.etcd : endpoints.etcd?.url;
}

export interface ConfigTargetOptions {
  /** `upstash` or `etcd`; default EDGEMESH_CONFIG_STORE, else `upstash`. */
  store?: string;
  env?: NodeJS.ProcessEnv;
  /** The devstack's variables; default `.dev.vars` at the repo root. */
  devVars?: Record<string, string>;
}

/**
 * The store the CLI talks to: the environment's Upstash (UPSTASH_REDIS_REST_URL/TOKEN) or etcd
 * (ETCD_URL) when set, else the devstack's, from `.dev.vars` and `.devstack/endpoints.json`.
 */
export function configTarget({
  store,
  env = process.env,
  devVars = readDevVars(join(repoRoot, '.dev.vars')),
}: ConfigTargetOptions = {}): ConfigStore {
  const kind = store || env.EDGEMESH_CONFIG_STORE || devVars.EDGEMESH_CONFIG_STORE || 'upstash';
  const prefix = env.EDGEMESH_CONFIG_PREFIX || devVars.EDGEMESH_CONFIG_PREFIX;
  if (kind === 'etcd') {
    const url = env.ETCD_URL || devVars.ETCD_URL || etcdFromEndpoints();
    if (!url) {
      throw new Error('no etcd: set ETCD_URL, or run `npm start` with etcd on PATH');
    }
    return etcdConfigStore({ url, ...(prefix ? { prefix } : {}) });
  }
  if (kind !== 'upstash') throw new Error(`unknown store "${kind}" (upstash or etcd)`);
  const fromEnv = env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN;
  const url = fromEnv ? env.UPSTASH_REDIS_REST_URL : devVars.UPSTASH_REDIS_REST_URL;
  const token = fromEnv ? env.UPSTASH_REDIS_REST_TOKEN : devVars.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) {
    throw new Error(
      'no Redis: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or run `npm start`',
    );
  }
  return upstashConfigStore(
    new Redis({ url, token, enableTelemetry: false }),
    prefix ? { prefix } : {},
  );
}
