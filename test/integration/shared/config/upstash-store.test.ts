import { Redis } from '@upstash/redis';
import { afterAll, inject } from 'vitest';
import { startRedisBackend, startUpstashEndpoint } from '../../../../devstack/redis/index.ts';
import { upstashConfigStore } from '../../../../shared/config/upstash-store.ts';
import { createRedis } from '../../../../shared/redis/upstash.ts';
import { configStoreContract } from '../../../unit/shared/config/config-store-contract.ts';

const vars = inject('devstackVars');
const prefix = `edgemesh-test:config:${process.pid}:`;
const options = { prefix, pollIntervalMs: 50 };

// Each "isolate" gets its own client, all on the devstack's Redis through its REST endpoint.
configStoreContract(`upstash on ${inject('redisKind')}`, () =>
  upstashConfigStore(
    createRedis({
      UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
      UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
    }),
    options,
  ),
);

// The embedded engine too, whatever Redis the run picked: it is what a machine without Redis gets.
const embedded = await startUpstashEndpoint({
  backend: await startRedisBackend({ force: 'embedded' }),
  token: 'config-test-token',
  port: 0,
});
afterAll(() => embedded.close());

configStoreContract('upstash on the embedded engine', () =>
  upstashConfigStore(
    new Redis({ url: embedded.url, token: embedded.token, enableTelemetry: false }),
    options,
  ),
);

// A client that does not deserialize JSON sees the same texts.
configStoreContract('upstash with automaticDeserialization off', () =>
  upstashConfigStore(
    new Redis({
      url: vars.UPSTASH_REDIS_REST_URL!,
      token: vars.UPSTASH_REDIS_REST_TOKEN!,
      enableTelemetry: false,
      automaticDeserialization: false,
    }),
    options,
  ),
);
