import type * as z from 'zod';
import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import type { LogFields } from '../telemetry/log.ts';
import type { ConfigEntry, ConfigStore } from './config-store.ts';
import { pause } from './poll-watch.ts';
import {
  deepFreeze,
  deepMerge,
  diffDocuments,
  type SettingsChange,
  type SettingsDocument,
} from './settings-document.ts';
import { decodeSettings, globalScope, settingsKey } from './settings-envelope.ts';
import { checkSettings } from './settings-schema.ts';

/** The revisions in force: of the global document and of the service's own. */
export interface SettingsRevision {
  readonly global: number;
  readonly service: number;
}

/** What a listener hears when a new revision applies. */
export interface SettingsApplied<T> {
  readonly service: string;
  readonly settings: Readonly<T>;
  readonly previous: Readonly<T>;
  readonly revision: SettingsRevision;
  readonly previousRevision: SettingsRevision;
  /** Leaves of the effective settings that changed (defaults filled in). */
  readonly changes: readonly SettingsChange[];
}

/** A stored revision the cache refused: it does not decode, or the schema rejects it. */
export interface SettingsRejected {
  readonly service: string;
  readonly scope: 'global' | 'service';
  readonly revision: number;
  readonly reason: string;
  readonly issues: readonly FieldIssue[];
}

type Scope = 'global' | 'service';

/** Options of `createSettingsCache`; intervals in ms. */
export interface SettingsCacheOptions<Schema extends z.ZodType> {
  store: ConfigStore;
  service: string;
  /** The service's settings schema; every setting should have a default. */
  schema: Schema;
  /**
   * `poll`: `current()` starts a revision check inside `waitUntil` at most once per `intervalMs`
   * (workerd). `watch`: a background watch applies changes as the store reports them, with a
   * check every `safetyIntervalMs` in case the stream stalls (Deno, Node). Default `poll`.
   */
  refresh?: 'poll' | 'watch';
  /** Least time between two revision checks in `poll` mode, ms. Default 500. */
  intervalMs?: number;
  /** Least time between two checks in `watch` mode, ms. Default 30,000. */
  safetyIntervalMs?: number;
  /** Milliseconds clock. Default Date.now. */
  now?: () => number;
  /** Keeps a background check alive after the response (the runtime's). Default fire and forget. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Where applied and refused revisions and store errors are logged, one line each. */
  log?: {
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
  };
}

/** A service's live settings in one isolate: read with `current()`, no I/O on that path. */
export interface SettingsCache<T> {
  /** The settings in force: a frozen object; keep it for the whole of a call. */
  current(): Readonly<T>;
  /** The revisions in force (0 = none stored: defaults). */
  readonly revision: SettingsRevision;
  /** Stored revisions refused so far (corrupt, or rejected by the schema). */
  readonly rejected: number;
  /** True once a check has reached the store. */
  readonly loaded: boolean;
  /** Resolves after the first check (at once when loaded): await it on a cold isolate's first request. */
  ready(signal?: AbortSignal): Promise<void>;
  /** Checks the store now; true when a new revision applied. Rejects on a store error. */
  refresh(signal?: AbortSignal): Promise<boolean>;
  /** Calls `listener` each time a new revision applies; returns an unsubscribe function. */
  onApply(listener: (applied: SettingsApplied<T>) => void): () => void;
  /** Calls `listener` for each refused revision; returns an unsubscribe function. */
  onReject(listener: (rejected: SettingsRejected) => void): () => void;
  /** Stops the background watch. */
  close(): void;
}

const consoleLog = {
  info: (message: string, fields?: LogFields) => console.info(message, fields ?? ''),
  warn: (message: string, fields?: LogFields) => console.warn(message, fields ?? ''),
};

/**
 * The isolate-side reader of a service's settings (global merged with its own). `current()`
 * returns a cached, deeply frozen object: in-flight calls keep the object they read, the next
 * call reads the new one. Revisions that do not decode or that the schema rejects are logged,
 * counted and skipped; the last good revision stays in force.
 * @example const cache = createSettingsCache({ store, service: 'orders', schema, waitUntil: runtime.waitUntil });
 */
export function createSettingsCache<Schema extends z.ZodType>({
  store,
  service,
  schema,
  refresh: mode = 'poll',
  intervalMs = 500,
  safetyIntervalMs = 30_000,
  now = Date.now,
  waitUntil = (promise) => void promise.catch(() => undefined),
  log = consoleLog,
}: SettingsCacheOptions<Schema>): SettingsCache<z.output<Schema>> {
  type T = z.output<Schema>;
  const keys = [settingsKey(globalScope), settingsKey(service)] as const;
  const defaults = schema.safeParse({});
  let value: Readonly<T> | undefined = defaults.success ? deepFreeze(defaults.data) : undefined;
  let revision: SettingsRevision = { global: 0, service: 0 };
  let documents: Record<Scope, SettingsDocument> = { global: {}, service: {} };
  const seen: Record<Scope, number> = { global: 0, service: 0 };
  let rejected = 0;
  let loaded = false;
  let nextCheckAt = 0;
  let checking = false;
  let failing = false;
  let watching: AbortController | undefined;
  const appliedListeners = new Set<(applied: SettingsApplied<T>) => void>();
  const rejectedListeners = new Set<(rejected: SettingsRejected) => void>();

  function reject(scope: Scope, at: number, reason: string, issues: readonly FieldIssue[] = []) {
    rejected += 1;
    const event: SettingsRejected = { service, scope, revision: at, reason, issues };
    log.warn(`settings ${service}: ${scope} revision ${at} refused, ${reason}`, {
      event: 'settings.rejected',
      ...event,
    });
    for (const listener of rejectedListeners) {
      try {
        listener(event);
      } catch (error) {
        log.warn(`settings ${service}: a reject listener failed`, { error: String(error) });
      }
    }
  }

  /** Applies what the store holds at the revisions `entries` name; true when something applied. */
  function offer(entries: Partial<Record<Scope, ConfigEntry>>): boolean {
    const candidates: Array<{ scope: Scope; revision: number; settings: SettingsDocument }> = [];
    for (const scope of ['global', 'service'] as const) {
      const entry = entries[scope];
      if (!entry || entry.revision <= seen[scope]) continue;
      seen[scope] = entry.revision;
      const decoded = decodeSettings(entry.value);
      if (decoded.ok)
        candidates.push({ scope, revision: entry.revision, settings: decoded.record.settings });
      else reject(scope, entry.revision, decoded.reason);
    }
    if (candidates.length === 0) return false;
    const attempt = (base: Record<Scope, SettingsDocument>, taken: typeof candidates) => {
      const next = { ...base };
      for (const candidate of taken) next[candidate.scope] = candidate.settings;
      return {
        next,
        check: checkSettings(schema, deepMerge(next.global, next.service), next.service),
      };
    };
    const together = attempt(documents, candidates);
    if (together.check.ok) {
      apply(together.check.value, candidates, together.next);
      return true;
    }
    // One bad document must not hold back a good one: try the service's, then global, alone.
    let base = documents;
    let accepted: typeof candidates = [];
    let settings: T | undefined;
    for (const candidate of candidates.length === 1
      ? candidates
      : [candidates[1]!, candidates[0]!]) {
      const alone = candidates.length === 1 ? together : attempt(base, [candidate]);
      if (alone.check.ok) {
        base = alone.next;
        accepted = [...accepted, candidate];
        settings = alone.check.value;
      } else {
        reject(candidate.scope, candidate.revision, 'invalid for the schema', alone.check.issues);
      }
    }
    if (settings === undefined) return false;
    apply(settings, accepted, base);
    return true;
  }

  function apply(
    parsed: T,
    taken: ReadonlyArray<{ scope: Scope; revision: number }>,
    next: Record<Scope, SettingsDocument>,
  ) {
    const settings = deepFreeze(parsed) as Readonly<T>;
    const previous = value ?? settings;
    const previousRevision = revision;
    const nextRevision = { ...revision };
    for (const { scope, revision: at } of taken) nextRevision[scope] = at;
    value = settings;
    revision = Object.freeze(nextRevision);
    documents = next;
    const changes = diffDocuments(previous as SettingsDocument, settings as SettingsDocument);
    const applied: SettingsApplied<T> = {
      service,
      settings,
      previous,
      revision,
      previousRevision,
      changes,
    };
    log.info(
      `settings ${service}: revision ${revision.service} (global ${revision.global}) applied, ${
        changes.length === 0 ? 'no effective change' : changes.map((c) => c.path).join(', ')
      }`,
      { event: 'settings.applied', service, revision, previousRevision, changes },
    );
    for (const listener of appliedListeners) {
      try {
        listener(applied);
      } catch (error) {
        log.warn(`settings ${service}: an apply listener failed`, { error: String(error) });
      }
    }
  }

  async function check(signal?: AbortSignal): Promise<boolean> {
    const before = { ...seen };
    const heads = await store.heads(keys, signal);
    const fetches = (['global', 'service'] as const).map(async (scope, i) => {
      const head = heads[i]!;
      if (head < before[scope]) {
        // Deleted or truncated behind the store's back: keep what is in force.
        log.warn(
          `settings ${service}: ${scope} went back from revision ${before[scope]} to ${head}; the revision in force stays`,
        );
        seen[scope] = Math.min(seen[scope], head);
        return undefined;
      }
      if (head <= seen[scope]) return undefined;
      const entry = await store.get(keys[i]!, { revision: head, signal });
      if (!entry) {
        seen[scope] = head;
        reject(scope, head, 'missing from the store');
      }
      return entry;
    });
    const [global, own] = await Promise.all(fetches);
    loaded = true;
    failing = false;
    return offer({ ...(global ? { global } : {}), ...(own ? { service: own } : {}) });
  }

  async function watchLoop(signal: AbortSignal) {
    let backoffMs = 1_000;
    while (!signal.aborted) {
      try {
        const since = [seen.global, seen.service];
        for await (const entry of store.watch(keys, { since, signal })) {
          loaded = true;
          backoffMs = 1_000;
          offer(entry.key === keys[0] ? { global: entry } : { service: entry });
        }
      } catch (error) {
        if (signal.aborted) return;
        log.warn(`settings ${service}: watch failed, retrying in ${backoffMs} ms`, {
          error: String(error),
        });
      }
      await pause(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    }
  }

  function ensureWatch() {
    if (mode !== 'watch' || watching) return;
    watching = new AbortController();
    void watchLoop(watching.signal);
  }

  function startChecks(at: number) {
    nextCheckAt = at + (mode === 'poll' ? intervalMs : safetyIntervalMs);
    ensureWatch();
    if (checking) return;
    checking = true;
    waitUntil(
      check()
        .catch((error: unknown) => {
          if (!failing)
            log.warn(`settings ${service}: revision check failed`, { error: String(error) });
          failing = true;
        })
        .finally(() => (checking = false)),
    );
  }

  return {
    current() {
      const at = now();
      if (at >= nextCheckAt) startChecks(at);
      if (value === undefined) {
        throw new EdgeMeshError(
          'UNAVAILABLE',
          `settings of ${service} are not loaded yet and have no defaults`,
        );
      }
      return value;
    },
    get revision() {
      return revision;
    },
    get rejected() {
      return rejected;
    },
    get loaded() {
      return loaded;
    },
    async ready(signal) {
      if (loaded) return;
      try {
        await check(signal);
      } catch (error) {
        log.warn(`settings ${service}: first load failed, defaults in force`, {
          error: String(error),
        });
      }
      nextCheckAt = now() + (mode === 'poll' ? intervalMs : safetyIntervalMs);
      ensureWatch();
    },
    refresh: (signal) => check(signal),
    onApply(listener) {
      appliedListeners.add(listener);
      return () => appliedListeners.delete(listener);
    },
    onReject(listener) {
      rejectedListeners.add(listener);
      return () => rejectedListeners.delete(listener);
    },
    close() {
      watching?.abort();
    },
  };
}
