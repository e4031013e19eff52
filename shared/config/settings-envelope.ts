import * as z from 'zod';
import type { JsonValue, SettingsChange, SettingsDocument } from './settings-document.ts';

/** Who changed a settings document, when, how and what: kept with every revision. */
export interface SettingsAudit {
  /** Who made the change, e.g. `alice@laptop` or a CI job's name. */
  readonly actor: string;
  /** When, ISO 8601 UTC. */
  readonly at: string;
  readonly action: 'set' | 'unset' | 'edit' | 'rollback';
  /** Every leaf that changed, with its value before and after. */
  readonly changes: readonly SettingsChange[];
  /** For a rollback: the revision whose content this one restores. */
  readonly rollbackOf?: number;
}

const json: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(json),
    z.record(z.string(), json),
  ]),
);

const envelope = z.object({
  settings: z.record(z.string(), json),
  audit: z.object({
    actor: z.string(),
    at: z.string(),
    action: z.enum(['set', 'unset', 'edit', 'rollback']),
    changes: z.array(z.object({ path: z.string(), from: json.optional(), to: json.optional() })),
    rollbackOf: z.number().int().positive().optional(),
  }),
});

/** What one stored revision holds. */
export interface SettingsRecord {
  readonly settings: SettingsDocument;
  readonly audit: SettingsAudit;
}

/** The stored text of a revision: `{"settings": …, "audit": …}`. */
export function encodeSettings(record: SettingsRecord): string {
  return JSON.stringify({ settings: record.settings, audit: record.audit });
}

/** A stored text back as a record, or why it is not one (a value written behind our back). */
export function decodeSettings(
  text: string,
): { ok: true; record: SettingsRecord } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = envelope.safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0];
    return {
      ok: false,
      reason: `not a settings record (${first?.path.join('.') || 'document'}: ${first?.message ?? 'invalid'})`,
    };
  }
  return { ok: true, record: result.data };
}

/** The store key of a scope's document: `settings/<scope>`. */
export const settingsKey = (scope: string) => `settings/${scope}`;

/** The scope every service inherits from. */
export const globalScope = 'global';

const scopeName = /^[a-z][a-z0-9-]{0,62}$/;

/** True for a name a scope may have: lower-case letters, digits and dashes. */
export function isScopeName(name: string): boolean {
  return scopeName.test(name);
}
