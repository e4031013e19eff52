import { Redis } from '@upstash/redis';
import type { StorageConfig } from '../config/vars.ts';

/** The Redis part of the storage config. */
export type RedisConfig = Pick<
  StorageConfig,
  'UPSTASH_REDIS_REST_URL' | 'UPSTASH_REDIS_REST_TOKEN'
>;

/** `@upstash/redis` over REST, pointed at Upstash or at the devstack's endpoint. */
export function createRedis(config: RedisConfig): Redis {
  return new Redis({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    enableTelemetry: false,
  });
}
