import { EdgeMeshError, hasCode } from '../errors/edgemesh-error.ts';

/** One revision of one document in a ConfigStore. */
export interface ConfigEntry {
  readonly key: string;
  /** 1, 2, 3 … per key, never reused; 0 means "never written". */
  readonly revision: number;
  /** The stored text, exactly as written: the store never parses it. */
  readonly value: string;
}

/** Options of `ConfigStore.watch`. */
export interface ConfigWatchOptions {
  /** The revision of each key already known, in the order of `keys`; default 0 for each. */
  since?: readonly number[];
  /** Ends the watch: the iterator returns once it aborts. */
  signal: AbortSignal;
}

/**
 * Versioned documents with compare-and-set writes: the port under live settings. Each key holds
 * a chain of revisions 1, 2, 3 …; a write names the revision it read and fails with a
 * ConfigConflictError when another writer got there first. Adapters: memory, Upstash Redis, etcd.
 */
export interface ConfigStore {
  /** Which backend this is, for logs and the CLI, e.g. `upstash` or `etcd http://…`. */
  readonly description: string;
  /** The newest revision of each key, in order (0 for a key never written), in one round trip. */
  heads(keys: readonly string[], signal?: AbortSignal): Promise<number[]>;
  /** The newest revision of `key`, or revision `revision` of it; undefined when absent. */
  get(
    key: string,
    options?: { revision?: number; signal?: AbortSignal },
  ): Promise<ConfigEntry | undefined>;
  /**
   * Writes `value` as revision `expectedRevision + 1` when `expectedRevision` is still the newest
   * (0 for a key never written); resolves with the new revision. Throws ConfigConflictError
   * (CONFLICT) naming the current revision otherwise, and then writes nothing.
   */
  put(key: string, value: string, expectedRevision: number, signal?: AbortSignal): Promise<number>;
  /** Up to `limit` revisions of `key` (default 20), newest first, all below `before` when given. */
  history(
    key: string,
    options?: { limit?: number; before?: number; signal?: AbortSignal },
  ): Promise<ConfigEntry[]>;
  /**
   * Yields the newest entry of each of `keys` whose revision passes what the caller knows, as
   * soon as the adapter learns of it (a stream where it has one, polling otherwise). Revisions
   * in between may be skipped; the newest is never missed. Ends when `signal` aborts.
   */
  watch(keys: readonly string[], options: ConfigWatchOptions): AsyncIterable<ConfigEntry>;
}

/** A write named a revision that is no longer the newest. 409 over HTTP. */
export class ConfigConflictError extends EdgeMeshError {
  readonly key: string;
  readonly expectedRevision: number;
  readonly currentRevision: number;

  constructor(key: string, expectedRevision: number, currentRevision: number, cause?: unknown) {
    super(
      'CONFLICT',
      `${key} is at revision ${currentRevision}, not ${expectedRevision}: read it again and retry`,
      { cause, extensions: { key, expectedRevision, currentRevision } },
    );
    this.name = 'ConfigConflictError';
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.currentRevision = currentRevision;
  }
}

/** True for a CONFLICT error, e.g. a ConfigConflictError, even from a duplicated bundle. */
export function isConfigConflict(value: unknown): value is ConfigConflictError {
  return hasCode(value, 'CONFLICT');
}

/** Rejects revisions that cannot name a write: negative, fractional or unsafe. */
export function checkRevision(revision: number, what = 'revision'): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new EdgeMeshError('VALIDATION', `${what} must be a whole number ≥ 0, got ${revision}`);
  }
}
