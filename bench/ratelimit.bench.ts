// `npm run bench -- ratelimit`: what one `@upstash/ratelimit` call costs through the devstack's
// Upstash REST endpoint on the embedded engine (Lua on fengari) and on real Redis, next to a
// plain INCR through the same endpoint, and what the limit script alone costs on each backend
// (the limiter's last EVALSHA replayed on the backend: in-process fengari for the engine, an
// ioredis round trip for Redis).
import { randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import {
  startRedisBackend,
  startUpstashEndpoint,
  type RedisBackend,
} from '../devstack/redis/index.ts';
import { formatRow, header, measure } from './stats.ts';

const total = Number(process.env.BENCH_REQUESTS ?? 2000);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 16);
const identifiers = 100;
const prefix = `bench:ratelimit:${randomUUID()}`;

const backends: RedisBackend[] = [await startRedisBackend({ force: 'embedded' })];
const real = await startRedisBackend({ log: () => {} });
if (real.kind === 'embedded') {
  console.log('(no real Redis answered: only the embedded engine is measured)');
  await real.close();
} else backends.push(real);

console.log(
  `${total} calls per scenario, 1 and ${inFlight} in flight; ${identifiers} identifiers\n`,
);
console.log(header);

// Limits nobody reaches, so every call runs the whole script and none is refused.
const limiters = {
  slidingWindow: Ratelimit.slidingWindow(1_000_000, '10 s'),
  fixedWindow: Ratelimit.fixedWindow(1_000_000, '10 s'),
  tokenBucket: Ratelimit.tokenBucket(1_000_000, '10 s', 1_000_000),
};

for (const backend of backends) {
  const name = backend.kind === 'embedded' ? 'embedded' : 'redis';
  // The last EVALSHA the limiter sent, replayed below to time the script without HTTP.
  let lastEvalsha: readonly string[] = [];
  const recording: RedisBackend = {
    ...backend,
    execute: (command) => {
      if (command[0]?.toLowerCase() === 'evalsha') lastEvalsha = command;
      return backend.execute(command);
    },
    // The client auto-pipelines, so most commands arrive in batches.
    executeBatch: (commands, atomic) => {
      for (const command of commands) {
        if (command[0]?.toLowerCase() === 'evalsha') lastEvalsha = command;
      }
      return backend.executeBatch(commands, atomic);
    },
  };
  const endpoint = await startUpstashEndpoint({
    backend: recording,
    token: 'bench-token',
    port: 0,
  });
  const redis = new Redis({ url: endpoint.url, token: endpoint.token, enableTelemetry: false });
  for (const concurrency of [1, inFlight]) {
    const incr = await measure((i) => redis.incr(`${prefix}:incr:${i % identifiers}`).then(), {
      total,
      concurrency,
    });
    console.log(formatRow(`${name}: INCR via REST, ${concurrency} in flight`, incr));
    for (const [algorithm, limiter] of Object.entries(limiters)) {
      const ratelimit = new Ratelimit({
        redis,
        limiter,
        prefix: `${prefix}:${algorithm}`,
        analytics: false,
        ephemeralCache: false,
      });
      const summary = await measure(
        async (i) => {
          const { success } = await ratelimit.limit(`id-${Math.abs(i) % identifiers}`);
          if (!success) throw new Error('bench: a call was refused');
        },
        { total, concurrency },
      );
      console.log(formatRow(`${name}: ${algorithm}.limit(), ${concurrency} in flight`, summary));
      if (concurrency !== 1) continue;
      const replayed = [...lastEvalsha];
      const alone = await measure(
        async () => {
          const reply = await backend.execute(replayed);
          if (reply.kind === 'error') throw new Error(reply.message);
        },
        { total: total * 5, concurrency: 1 },
      );
      console.log(formatRow(`${name}:   its script alone (EVALSHA, no HTTP)`, alone));
    }
  }

  await endpoint.close();
}

// Every key has a TTL of at most 21 s except the INCR ones; drop those from real Redis.
for (const backend of backends) {
  if (backend.kind !== 'embedded') {
    const keys = Array.from({ length: identifiers }, (_, i) => `${prefix}:incr:${i}`);
    await backend.execute(['del', ...keys]);
  }
  await backend.close();
}
