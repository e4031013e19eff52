import { Redis } from '@upstash/redis';
import {
  startRedisBackend,
  startUpstashEndpoint,
  type RedisBackend,
  type UpstashEndpoint,
} from '../../../../devstack/redis/index.ts';

const TOKEN = 'devstack-redis-test-token';

/** One backend behind its own Upstash REST endpoint, with the official client on it. */
export interface RestTarget {
  readonly name: string;
  readonly backend: RedisBackend;
  readonly endpoint: UpstashEndpoint;
  readonly redis: Redis;
  /** Names of the commands the backend received, lower case, in order. */
  readonly commands: string[];
  close(): Promise<void>;
}

function recording(backend: RedisBackend, commands: string[]): RedisBackend {
  return {
    ...backend,
    execute: (command) => {
      commands.push((command[0] ?? '').toLowerCase());
      return backend.execute(command);
    },
    executeBatch: (batch, atomic) => {
      for (const command of batch) commands.push((command[0] ?? '').toLowerCase());
      return backend.executeBatch(batch, atomic);
    },
  };
}

async function startTarget(name: string, backend: RedisBackend): Promise<RestTarget> {
  const commands: string[] = [];
  const endpoint = await startUpstashEndpoint({
    backend: recording(backend, commands),
    token: TOKEN,
  });
  const redis = new Redis({ url: endpoint.url, token: TOKEN, enableTelemetry: false });
  return {
    name,
    backend,
    endpoint,
    redis,
    commands,
    close: async () => {
      await endpoint.close();
      await backend.close();
    },
  };
}

/**
 * The embedded engine, and real Redis when one is available (REDIS_URL, 127.0.0.1:6379 or a
 * spawned redis-server), each behind a REST endpoint of its own.
 */
export async function startRestTargets(): Promise<{
  embedded: RestTarget;
  real: RestTarget | null;
  close(): Promise<void>;
}> {
  const embedded = await startTarget('embedded', await startRedisBackend({ force: 'embedded' }));
  const realBackend = await startRedisBackend();
  const real =
    realBackend.kind === 'embedded'
      ? (await realBackend.close(), null)
      : await startTarget(`real (${realBackend.description})`, realBackend);
  return {
    embedded,
    real,
    close: async () => {
      await embedded.close();
      await real?.close();
    },
  };
}

/** A key prefix no other test run shares (real Redis is shared between worktrees). */
export const uniquePrefix = (topic: string) =>
  `edgemesh-test:${topic}:${process.pid}:${crypto.randomUUID()}`;

/** Deletes every key under prefix, page by page. */
export async function deleteKeys(backend: RedisBackend, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const reply = await backend.execute(['scan', cursor, 'match', `${prefix}*`, 'count', '1000']);
    const [next, keys] = reply.kind === 'array' && reply.value ? reply.value : [];
    cursor = next?.kind === 'bulk' ? (next.value ?? '0') : '0';
    const names = keys?.kind === 'array' ? (keys.value ?? []) : [];
    const found = names.flatMap((k) => (k.kind === 'bulk' && k.value ? [k.value] : []));
    if (found.length > 0) await backend.execute(['del', ...found]);
  } while (cursor !== '0');
}
