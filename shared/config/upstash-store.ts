import type { Redis } from '@upstash/redis';
import {
  checkRevision,
  ConfigConflictError,
  type ConfigEntry,
  type ConfigStore,
} from './config-store.ts';
import { pollWatch } from './poll-watch.ts';

/** Options of the Upstash Redis config store. */
export interface UpstashConfigStoreOptions {
  /** Key prefix; each document is the hash `<prefix><key>`. Default `edgemesh:config:`. */
  prefix?: string;
  /** How often `watch` polls, ms (Redis over REST has no change stream). Default 500. */
  pollIntervalMs?: number;
}

// Our values carry this marker, which no JSON text starts with, so @upstash/redis' automatic
// JSON deserialization (on by default) hands them back untouched; a value some other writer
// put there without it comes back as that writer's text (re-serialised when the client parsed it).
const marker = 'v1:';

function decode(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return raw.startsWith(marker) ? raw.slice(marker.length) : raw;
  return JSON.stringify(raw);
}

/**
 * ConfigStore on Redis through `@upstash/redis`, with no Lua and no WATCH (neither exists over
 * REST nor in the devstack's embedded engine). A document is one hash whose fields are its
 * revisions "1", "2", … so HLEN is the newest revision, monotonic by construction. A write at
 * expected revision r checks HLEN = r, then claims field r + 1 with HSETNX: exactly one writer
 * wins each revision, and since HLEN never shrinks, a writer that passed the check can only
 * lose to one that got there first. Two round trips per write, one per revision check.
 */
export function upstashConfigStore(
  redis: Redis,
  { prefix = 'edgemesh:config:', pollIntervalMs = 500 }: UpstashConfigStoreOptions = {},
): ConfigStore {
  const hash = (key: string) => `${prefix}${key}`;

  async function heads(keys: readonly string[], signal?: AbortSignal): Promise<number[]> {
    signal?.throwIfAborted();
    if (keys.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.hlen(hash(key));
    const counts = await pipeline.exec<number[]>();
    return counts.map(Number);
  }

  async function readRevisions(key: string, revisions: readonly number[]): Promise<ConfigEntry[]> {
    if (revisions.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const revision of revisions) pipeline.hget(hash(key), String(revision));
    const values = await pipeline.exec<unknown[]>();
    const entries: ConfigEntry[] = [];
    for (const [i, revision] of revisions.entries()) {
      const value = decode(values[i]);
      if (value !== undefined) entries.push({ key, revision, value });
    }
    return entries;
  }

  const store: ConfigStore = {
    description: 'upstash redis',
    heads,
    async get(key, { revision, signal } = {}) {
      const wanted = revision ?? (await heads([key], signal))[0]!;
      signal?.throwIfAborted();
      if (wanted < 1) return undefined;
      const [entry] = await readRevisions(key, [wanted]);
      return entry;
    },
    async put(key, value, expectedRevision, signal) {
      checkRevision(expectedRevision, 'expected revision');
      const [current] = await heads([key], signal);
      if (current !== expectedRevision) {
        throw new ConfigConflictError(key, expectedRevision, current!);
      }
      signal?.throwIfAborted();
      const next = expectedRevision + 1;
      const won = await redis.hsetnx(hash(key), String(next), `${marker}${value}`);
      if (won === 1) return next;
      const [now] = await heads([key]);
      throw new ConfigConflictError(key, expectedRevision, now!);
    },
    async history(key, { limit = 20, before, signal } = {}) {
      const [head] = await heads([key], signal);
      const newest = Math.min(head!, (before ?? Infinity) - 1);
      const revisions: number[] = [];
      for (let r = newest; r >= 1 && revisions.length < limit; r -= 1) revisions.push(r);
      signal?.throwIfAborted();
      return readRevisions(key, revisions);
    },
    watch: (keys, options) => pollWatch(store, keys, options, pollIntervalMs),
  };
  return store;
}
