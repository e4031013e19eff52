import { inject } from 'vitest';
import { upstashRegistry } from '../../../../shared/discovery/upstash.ts';
import { createRedis } from '../../../../shared/redis/upstash.ts';
import { leaseRegistryContract } from '../../../unit/shared/discovery/registry-contract.ts';

const vars = inject('devstackVars');

leaseRegistryContract(`upstash on ${inject('redisKind')}`, () => {
  let now = Date.now();
  const redis = createRedis({
    UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
    UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
  });
  return {
    registry: upstashRegistry(redis, { now: () => now }),
    advance: (ms) => void (now += ms),
  };
});
