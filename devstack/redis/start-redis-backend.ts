import type { RedisBackend } from './backend.ts';
import { embeddedRedisBackend } from './embedded-backend.ts';
import type { EngineOptions } from './engine/engine.ts';
import { ioredisBackend } from './ioredis-backend.ts';
import { pingsWithin } from './probe.ts';
import { spawnRedisServer } from './redis-server-process.ts';

export interface StartRedisBackendOptions {
  /** A Redis to use as is; defaults to env REDIS_URL. When set, no fallback is tried. */
  redisUrl?: string;
  /** Skip the selection and start this kind ('redis' needs redisUrl or a local server). */
  force?: RedisBackend['kind'];
  /** Where a local server is probed; default 127.0.0.1:6379. */
  localPort?: number;
  /** Options for the embedded engine, e.g. a fake clock. */
  engine?: EngineOptions;
  log?: (line: string) => void;
  /** Gives the redis:// URL the backend connects to instead of a server's own, e.g. a proxy's. */
  connectThrough?: (url: string) => Promise<string>;
}

/**
 * Picks the first Redis that works: REDIS_URL, a server answering PING on 127.0.0.1:6379
 * within 300 ms, a redis-server spawned from PATH, then the embedded engine.
 */
export async function startRedisBackend({
  redisUrl = process.env.REDIS_URL || undefined,
  force,
  localPort = 6379,
  engine,
  log = () => undefined,
  connectThrough = (url) => Promise.resolve(url),
}: StartRedisBackendOptions = {}): Promise<RedisBackend> {
  const report = (backend: RedisBackend) => {
    log(`redis: ${backend.description}`);
    return backend;
  };
  if (force === 'embedded') return report(embeddedRedisBackend(engine));
  if (redisUrl && force !== 'redis-server') {
    return report(
      await ioredisBackend({
        url: redisUrl,
        connectUrl: await connectThrough(redisUrl),
        kind: 'redis',
        description: `redis ${redisUrl}`,
      }),
    );
  }
  if (force !== 'redis-server' && (await pingsWithin('127.0.0.1', localPort, 300))) {
    const url = `redis://127.0.0.1:${localPort}`;
    return report(
      await ioredisBackend({
        url,
        connectUrl: await connectThrough(url),
        kind: 'redis',
        description: `redis ${url}`,
      }),
    );
  }
  if (force === 'redis') throw new Error(`redis: nothing answers on 127.0.0.1:${localPort}`);
  const server = await spawnRedisServer();
  if (server) {
    const url = `redis://${server.host}:${server.port}`;
    return report(
      await ioredisBackend({
        url,
        connectUrl: await connectThrough(url),
        kind: 'redis-server',
        description: `redis-server ${server.host}:${server.port} (spawned, stopped on close)`,
        onClose: () => server.stop(),
        async onRestart({ keepData = true }) {
          await server.restart({ keepData });
          return `redis-server ${server.host}:${server.port} restarted, ${keepData ? 'keys kept (RDB snapshot on shutdown)' : 'every key dropped'}`;
        },
      }),
    );
  }
  if (force === 'redis-server') throw new Error('redis: could not start redis-server from PATH');
  log('redis: no Redis server available, using the embedded engine');
  return report(embeddedRedisBackend(engine));
}
