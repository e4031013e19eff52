import { Redis } from 'ioredis';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { RedisBackend, RedisRestartOptions } from './backend.ts';
import { errorReply, type Reply } from './reply.ts';

export interface IoredisBackendOptions {
  url: string;
  /** Where the connection actually goes when not `url`, e.g. a fault proxy in front of it. */
  connectUrl?: string;
  kind: 'redis' | 'redis-server';
  description: string;
  /** Runs after the connection is closed, e.g. to stop a spawned server. */
  onClose?: () => Promise<void>;
  /** Restarts the server (one the devstack spawned); absent = restart is refused. */
  onRestart?: (options: RedisRestartOptions) => Promise<string>;
}

const isReplyError = (error: unknown): error is Error =>
  error instanceof Error && error.name === 'ReplyError';

/** ioredis values (strings, numbers, null, nested arrays, errors) as replies. */
function toReply(value: unknown): Reply {
  if (value === null || value === undefined) return { kind: 'bulk', value: null };
  if (typeof value === 'number') return { kind: 'integer', value };
  if (typeof value === 'string') return { kind: 'bulk', value };
  if (Buffer.isBuffer(value)) return { kind: 'bulk', value: value.toString('utf8') };
  if (Array.isArray(value)) return { kind: 'array', value: value.map(toReply) };
  if (isReplyError(value)) return errorReply(value.message);
  return errorReply(`ERR unexpected ${typeof value} reply from ioredis`);
}

// ioredis turns the reply of a command named exactly "hgetall" into an object; any other
// spelling bypasses that and leaves the flat array. Other names pass as typed, because
// Redis echoes them in "unknown command" errors.
function nameOf(command: readonly string[]): string {
  const name = command[0] ?? '';
  return name === 'hgetall' ? 'HGETALL' : name;
}

/** A backend on a real Redis server through one shared ioredis connection. */
export async function ioredisBackend(options: IoredisBackendOptions): Promise<RedisBackend> {
  const client = new Redis(options.connectUrl ?? options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
  });
  // Failures surface as rejected commands; without a listener ioredis also prints each one.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`redis: cannot connect to ${options.url}`, { cause: error });
  }
  return {
    kind: options.kind,
    description: options.description,
    url: options.url,
    async execute(command) {
      try {
        return toReply(await client.call(nameOf(command), command.slice(1)));
      } catch (error) {
        if (isReplyError(error)) return errorReply(error.message);
        throw error;
      }
    },
    async executeBatch(commands, atomic) {
      const batch = atomic ? client.multi() : client.pipeline();
      for (const command of commands) void batch.call(nameOf(command), command.slice(1));
      try {
        const results = (await batch.exec()) ?? [];
        return results.map(([error, value]) => (error ? toReply(error) : toReply(value)));
      } catch (error) {
        if (atomic && isReplyError(error) && error.message.startsWith('EXECABORT')) {
          return { discarded: { kind: 'error', message: error.message } };
        }
        throw error;
      }
    },
    async restart(restartOptions = {}) {
      if (!options.onRestart) {
        throw new EdgeMeshError(
          'CONFLICT',
          `Redis at ${options.url} was not started by the devstack; restart it yourself`,
        );
      }
      if (restartOptions.downMs !== undefined) {
        throw new EdgeMeshError(
          'VALIDATION',
          'a Redis server is down as long as its restart takes',
          {
            issues: [{ path: 'downMs', message: 'only the embedded Redis engine takes downMs' }],
          },
        );
      }
      const done = await options.onRestart(restartOptions);
      // ioredis reconnects by itself; waiting for it here means the restart ends when Redis answers.
      await client.ping().catch(() => client.ping());
      return done;
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
      await options.onClose?.();
    },
  };
}
