import * as z from 'zod';
import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import { ConfigConflictError, type ConfigStore } from './config-store.ts';
import {
  deepMerge,
  diffDocuments,
  setPath,
  type JsonValue,
  type SettingsChange,
  type SettingsDocument,
} from './settings-document.ts';
import {
  decodeSettings,
  encodeSettings,
  globalScope,
  settingsKey,
  type SettingsAudit,
  type SettingsRecord,
} from './settings-envelope.ts';
import { checkSettings, settingsValidationError, unknownSettingPaths } from './settings-schema.ts';

/** One revision of a scope's document as the admin reads it; `corrupt` says why it is unusable. */
export type SettingsRevisionView =
  | { readonly revision: number; readonly record: SettingsRecord; readonly corrupt?: undefined }
  | { readonly revision: number; readonly record?: undefined; readonly corrupt: string };

/** A scope's newest state: the head revision (what a write compares against) and the newest good one. */
export interface ScopeState {
  readonly scope: string;
  /** The newest revision, good or not; a write names this one. */
  readonly revision: number;
  /** The newest revision that decodes; empty settings at revision 0 when none does. */
  readonly good: { readonly revision: number; readonly settings: SettingsDocument };
  /** Newer revisions skipped because they do not decode. */
  readonly skipped: readonly { revision: number; reason: string }[];
}

/** Who makes a change, and which revision they read (stale → CONFLICT, nothing written). */
export interface ChangeOptions {
  actor: string;
  /** The revision the operator saw; default the newest at the time of the write. */
  expectedRevision?: number;
}

/** What a change did: the new revision, or `unchanged` with the revision still in force. */
export interface ChangeResult {
  readonly scope: string;
  readonly revision: number;
  readonly unchanged: boolean;
  readonly changes: readonly SettingsChange[];
}

/** The settings of one service as its functions apply them. */
export interface EffectiveSettings {
  readonly service: string;
  /** Parsed by the service's schema, defaults filled in. */
  readonly settings: unknown;
  readonly revision: { readonly global: number; readonly service: number };
}

/** Options of `createSettingsAdmin`. */
export interface SettingsAdminOptions {
  store: ConfigStore;
  /** Every service's settings schema (absent: the service declares no settings). */
  services: Readonly<Record<string, z.ZodType | undefined>>;
  /** Clock for audit times, ms. Default Date.now. */
  now?: () => number;
}

const noSettings = z.object({});

/**
 * Reads and changes settings documents for operators (the `npm run config` CLI): every change is
 * validated against every schema it affects, written compare-and-set on the revision, and
 * audited. `global` is the document every service inherits from.
 */
export function createSettingsAdmin({ store, services, now = Date.now }: SettingsAdminOptions) {
  const schemaOf = (service: string) => services[service] ?? noSettings;

  function requireScope(scope: string): void {
    if (scope === globalScope || Object.hasOwn(services, scope)) return;
    const known = [globalScope, ...Object.keys(services)].join(', ');
    throw new EdgeMeshError('NOT_FOUND', `unknown service "${scope}" (known: ${known})`);
  }

  const view = (revision: number, value: string): SettingsRevisionView => {
    const decoded = decodeSettings(value);
    return decoded.ok
      ? { revision, record: decoded.record }
      : { revision, corrupt: decoded.reason };
  };

  async function read(scope: string, signal?: AbortSignal): Promise<ScopeState> {
    requireScope(scope);
    const key = settingsKey(scope);
    const [head] = await store.heads([key], signal);
    const skipped: { revision: number; reason: string }[] = [];
    let before = head! + 1;
    while (before > 1) {
      const page = await store.history(key, { limit: 20, before, signal });
      if (page.length === 0) break;
      for (const entry of page) {
        const seen = view(entry.revision, entry.value);
        if (seen.record) {
          return {
            scope,
            revision: head!,
            good: { revision: entry.revision, settings: seen.record.settings },
            skipped,
          };
        }
        skipped.push({ revision: entry.revision, reason: seen.corrupt });
      }
      before = page.at(-1)!.revision;
    }
    return { scope, revision: head!, good: { revision: 0, settings: {} }, skipped };
  }

  /** Every issue `next` would cause, for a service or for global (checked against every service). */
  async function issuesOf(scope: string, next: SettingsDocument): Promise<FieldIssue[]> {
    if (scope !== globalScope) {
      const global = (await read(globalScope)).good.settings;
      const check = checkSettings(schemaOf(scope), deepMerge(global, next), next);
      return check.ok ? [] : check.issues;
    }
    const names = Object.keys(services);
    const unknownToAll = unknownSettingPaths(
      z.object(Object.fromEntries(names.map((name) => [name, schemaOf(name)]))),
      Object.fromEntries(names.map((name) => [name, next])),
    );
    const counts = new Map<string, number>();
    for (const path of unknownToAll) {
      const rest = path.slice(path.indexOf('.') + 1);
      counts.set(rest, (counts.get(rest) ?? 0) + 1);
    }
    const issues: FieldIssue[] = [...counts]
      .filter(([, count]) => count === names.length)
      .map(([path]) => ({ path, message: 'unknown setting (no service declares it)' }));
    for (const name of names) {
      const own = (await read(name)).good.settings;
      const check = checkSettings(schemaOf(name), deepMerge(next, own), {});
      if (!check.ok) {
        issues.push(
          ...check.issues.map((issue) => ({ ...issue, message: `${name}: ${issue.message}` })),
        );
      }
    }
    return issues;
  }

  async function change(
    scope: string,
    update: (current: SettingsDocument) => SettingsDocument,
    { actor, expectedRevision }: ChangeOptions,
    action: SettingsAudit['action'],
    rollbackOf?: number,
  ): Promise<ChangeResult> {
    const state = await read(scope);
    if (expectedRevision !== undefined && expectedRevision !== state.revision) {
      throw new ConfigConflictError(settingsKey(scope), expectedRevision, state.revision);
    }
    const next = update(state.good.settings);
    const changes = diffDocuments(state.good.settings, next);
    if (changes.length === 0 && state.skipped.length === 0) {
      return { scope, revision: state.revision, unchanged: true, changes };
    }
    const issues = await issuesOf(scope, next);
    if (issues.length > 0) throw settingsValidationError(scope, issues);
    const audit: SettingsAudit = {
      actor,
      at: new Date(now()).toISOString(),
      action,
      changes,
      ...(rollbackOf !== undefined ? { rollbackOf } : {}),
    };
    const revision = await store.put(
      settingsKey(scope),
      encodeSettings({ settings: next, audit }),
      state.revision,
    );
    return { scope, revision, unchanged: false, changes };
  }

  async function revisionOf(scope: string, revision: number): Promise<SettingsRevisionView> {
    requireScope(scope);
    const entry = await store.get(settingsKey(scope), { revision });
    if (!entry) {
      throw new EdgeMeshError('NOT_FOUND', `${scope} has no revision ${revision}`);
    }
    return view(entry.revision, entry.value);
  }

  return {
    /** `global` and every service, in that order. */
    scopes: (): string[] => [globalScope, ...Object.keys(services)],
    read,
    /** One stored revision of a scope. NOT_FOUND when it does not exist. */
    revision: revisionOf,
    /** What a service's functions apply now: global merged with its own document, parsed. */
    async effective(service: string): Promise<EffectiveSettings> {
      if (service === globalScope) {
        throw new EdgeMeshError(
          'VALIDATION',
          'global has no effective settings of its own; name a service',
        );
      }
      const [global, own] = [await read(globalScope), await read(service)];
      const check = checkSettings(
        schemaOf(service),
        deepMerge(global.good.settings, own.good.settings),
        own.good.settings,
      );
      if (!check.ok) throw settingsValidationError(service, check.issues);
      return {
        service,
        settings: check.value,
        revision: { global: global.good.revision, service: own.good.revision },
      };
    },
    /** Sets `path` to `value` in a scope's document. */
    set: (scope: string, path: string, value: JsonValue, options: ChangeOptions) =>
      change(scope, (doc) => setPath(doc, path, value), options, 'set'),
    /** Removes `path` from a scope's document, so the inherited value or default applies. */
    unset: (scope: string, path: string, options: ChangeOptions) =>
      change(scope, (doc) => setPath(doc, path, undefined), options, 'unset'),
    /** Replaces a scope's whole document (the CLI's `edit`). */
    replace: (scope: string, document: SettingsDocument, options: ChangeOptions) =>
      change(scope, () => document, options, 'edit'),
    /** Writes a new revision whose content is that of `revision`. */
    async rollback(scope: string, revision: number, options: ChangeOptions): Promise<ChangeResult> {
      const old = await revisionOf(scope, revision);
      if (!old.record) {
        throw new EdgeMeshError(
          'VALIDATION',
          `${scope} revision ${revision} is corrupt (${old.corrupt}); pick another`,
        );
      }
      return change(scope, () => old.record.settings, options, 'rollback', revision);
    },
    /** Up to `limit` revisions, newest first, below `before` when given. */
    async history(
      scope: string,
      { limit = 20, before }: { limit?: number; before?: number } = {},
    ): Promise<SettingsRevisionView[]> {
      requireScope(scope);
      const entries = await store.history(settingsKey(scope), {
        limit,
        ...(before ? { before } : {}),
      });
      return entries.map((entry) => view(entry.revision, entry.value));
    },
    /** The leaves that differ from revision `from` to revision `to` (default the newest good). */
    async diff(scope: string, from: number, to?: number): Promise<SettingsChange[]> {
      const docAt = async (revision: number) => {
        if (revision === 0) return {};
        const seen = await revisionOf(scope, revision);
        if (!seen.record)
          throw new EdgeMeshError(
            'VALIDATION',
            `${scope} revision ${revision} is corrupt (${seen.corrupt})`,
          );
        return seen.record.settings;
      };
      const after = to === undefined ? (await read(scope)).good.settings : await docAt(to);
      return diffDocuments(await docAt(from), after);
    },
  };
}

/** The operator's view of settings: see `createSettingsAdmin`. */
export type SettingsAdmin = ReturnType<typeof createSettingsAdmin>;
