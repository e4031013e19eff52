import type { Reply } from './reply.ts';

/** The result of a MULTI/EXEC that Redis discarded before running anything (EXECABORT). */
export interface DiscardedTransaction {
  readonly discarded: Extract<Reply, { kind: 'error' }>;
}

/** Where the devstack's Redis commands run: a Redis server, or the embedded engine. */
export interface RedisBackend {
  /** 'redis' = an existing server, 'redis-server' = one we spawned, 'embedded' = in-process. */
  readonly kind: 'redis' | 'redis-server' | 'embedded';
  /** One line for the devstack banner, e.g. "redis-server 127.0.0.1:40123 (spawned)". */
  readonly description: string;
  /** redis:// URL when the backend is a real server. */
  readonly url?: string;
  execute(command: readonly string[]): Promise<Reply>;
  /** Runs commands in order; atomic runs them as one MULTI/EXEC. */
  executeBatch(
    commands: readonly (readonly string[])[],
    atomic: boolean,
  ): Promise<Reply[] | DiscardedTransaction>;
  /**
   * Restarts the Redis behind the backend and resolves once it answers, with one line saying
   * what happened. keepData (default true) keeps the keys, as a Redis with persistence (or
   * Upstash) does; false starts empty. A Redis the devstack did not start is refused (CONFLICT).
   */
  restart(options?: RedisRestartOptions): Promise<string>;
  close(): Promise<void>;
}

export interface RedisRestartOptions {
  /** Keep every key across the restart. Default true. */
  keepData?: boolean;
  /** Embedded engine only: how long commands fail while it "restarts", ms. Default 1000. */
  downMs?: number;
}

export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
