import { randomUUID } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { upstashMetricsStore } from '../../../../shared/telemetry/metrics/upstash-store.ts';
import { createRedis } from '../../../../shared/redis/upstash.ts';
import { metricsStoreContract } from '../../../fixtures/telemetry/metrics-store-contract.ts';

const vars = inject('devstackVars');
const redis = createRedis({
  UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
  UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
});
const prefixes: string[] = [];

metricsStoreContract('upstash (devstack Redis)', () => {
  const prefix = `test:metrics:${randomUUID()}`;
  prefixes.push(prefix);
  return upstashMetricsStore(redis, { prefix });
});

afterAll(async () => {
  const keys = prefixes.flatMap((prefix) => [`${prefix}:families`, `${prefix}:values`]);
  if (keys.length > 0) await redis.del(...keys);
});
