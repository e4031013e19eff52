import { inject } from 'vitest';
import { upstashBreakerStore } from '../../../../shared/breaker/upstash-store.ts';
import { createRedis } from '../../../../shared/redis/upstash.ts';
import { breakerStoreContract } from '../../../unit/shared/breaker/breaker-store-contract.ts';

const vars = inject('devstackVars');
const redisConfig = {
  UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
  UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
};

// Each "isolate" gets its own client and store (own epoch hints), all on the devstack's Redis.
breakerStoreContract(`upstash on ${inject('redisKind')}`, () =>
  upstashBreakerStore(createRedis(redisConfig)),
);
