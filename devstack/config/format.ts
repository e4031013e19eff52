import type { SettingsRevisionView } from '../../shared/config/settings-admin.ts';
import type { JsonValue, SettingsChange } from '../../shared/config/settings-document.ts';

const shown = (value: JsonValue | undefined) =>
  value === undefined ? '(unset)' : JSON.stringify(value);

/** `path old → new` per change, comma-separated; `no change` when empty. */
export function formatChanges(changes: readonly SettingsChange[]): string {
  if (changes.length === 0) return 'no change';
  return changes
    .map((change) => `${change.path} ${shown(change.from)} → ${shown(change.to)}`)
    .join(', ');
}

/** One line of `history`: revision, time, actor, action and what changed. */
export function formatRevision(view: SettingsRevisionView): string {
  const revision = String(view.revision).padStart(5);
  if (!view.record) return `${revision}  corrupt: ${view.corrupt} (ignored by every function)`;
  const { audit } = view.record;
  const action = audit.rollbackOf ? `rollback to ${audit.rollbackOf}` : audit.action;
  return `${revision}  ${audit.at}  ${audit.actor}  ${action}  ${formatChanges(audit.changes)}`;
}

/** A CLI value: JSON when it parses (30, true, "text", {"a":1}), else the text itself. */
export function parseValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
