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
  close(): Promise<void>;
}

export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
