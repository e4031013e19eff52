import { ApiError, getJson, say, send } from '../api.ts';
import { action } from '../actions.ts';
import { h, swap, table, time } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface SettingsView {
  scope: string;
  revision: number;
  document: unknown;
  effective?: Record<string, unknown>;
  history: {
    revision: number;
    corrupt?: string;
    audit?: {
      actor: string;
      at: string;
      action: string;
      rollbackOf?: number;
      changes: { path: string; from?: unknown; to?: unknown }[];
    };
  }[];
}

const json = (value: unknown) => (value === undefined ? '(unset)' : JSON.stringify(value));

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function changeForm(scope: string, refresh: () => Promise<void>): HTMLElement {
  const path = h('input', {
    id: 'setting-path',
    name: 'path',
    required: true,
    placeholder: 'breaker.failureRateThreshold',
    'aria-describedby': 'setting-errors',
  });
  const value = h('input', {
    id: 'setting-value',
    name: 'value',
    placeholder: '30',
    'aria-describedby': 'setting-value-help setting-errors',
  });
  const errors = h('div', { id: 'setting-errors', class: 'errors', tabindex: '-1' });
  const submit = async (kind: 'set' | 'unset') => {
    swap(errors);
    path.removeAttribute('aria-invalid');
    value.removeAttribute('aria-invalid');
    try {
      const body =
        kind === 'set'
          ? { action: 'set', path: path.value.trim(), value: parseValue(value.value) }
          : { action: 'unset', path: path.value.trim() };
      const result = await send<{ revision: number; unchanged: boolean }>(
        'POST',
        `/api/settings/${encodeURIComponent(scope)}`,
        body,
      );
      say(
        result.unchanged
          ? `${scope}: unchanged at revision ${result.revision}`
          : `${scope}: revision ${result.revision} written`,
      );
      await refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const issues =
        error.issues.length > 0 ? error.issues : [{ path: path.value, message: error.detail }];
      path.setAttribute('aria-invalid', String(issues.some((i) => i.path !== path.value.trim())));
      value.setAttribute('aria-invalid', 'true');
      swap(
        errors,
        h('p', {}, 'Not saved:'),
        h(
          'ul',
          {},
          issues.map((i) => h('li', {}, h('span', { class: 'mono' }, i.path), `: ${i.message}`)),
        ),
      );
      say(`Not saved: ${error.detail}`, true);
      errors.focus();
    }
  };
  const form = h(
    'form',
    { 'aria-label': `Change a setting of ${scope}`, class: 'row' },
    h('label', { for: 'setting-path' }, 'Path'),
    path,
    h('label', { for: 'setting-value' }, 'Value'),
    value,
    h('button', { type: 'submit' }, 'Set'),
    h('button', { type: 'button', onClick: () => void submit('unset') }, 'Unset'),
    h(
      'span',
      { id: 'setting-value-help', class: 'hint' },
      'JSON (30, true, "text", {"a":1}) or plain text',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit('set');
  });
  return h('div', {}, form, errors);
}

/** Each scope's settings, changes validated inline, history and rollback; fault rules if any. */
export const settingsPanel: Panel = {
  id: 'settings',
  title: 'Settings',
  mount(root, params) {
    const scope = params[0] ?? 'global';
    const scopes = h('nav', { 'aria-label': 'Settings scopes', class: 'row' });
    const body = h('div');
    const refresh = async () => {
      const [{ scopes: names }, view] = await Promise.all([
        getJson<{ scopes: string[] }>('/api/settings'),
        getJson<SettingsView>(`/api/settings/${encodeURIComponent(scope)}`),
      ]);
      swap(
        scopes,
        names.map((name) =>
          h(
            'a',
            {
              href: `#/settings/${encodeURIComponent(name)}`,
              'aria-current': name === scope ? 'page' : null,
              'data-key': `scope-${name}`,
            },
            name,
          ),
        ),
      );
      const chaos = view.effective?.chaos;
      swap(
        body,
        h('h3', {}, `Document at revision ${view.revision}`),
        h(
          'pre',
          { 'aria-label': `${scope} settings document` },
          JSON.stringify(view.document, null, 2),
        ),
        view.effective
          ? [
              h('h3', {}, 'In force (with global and defaults)'),
              h(
                'pre',
                { 'aria-label': `${scope} effective settings` },
                JSON.stringify(view.effective, null, 2),
              ),
            ]
          : null,
        chaos !== undefined
          ? [
              h('h3', {}, 'Fault rules'),
              h('pre', { 'aria-label': 'fault rules' }, JSON.stringify(chaos, null, 2)),
            ]
          : null,
        table(
          'History (newest first)',
          ['revision', 'when', 'who', 'what', 'changes', ''],
          view.history.map((r) => [
            String(r.revision),
            time(r.audit?.at),
            r.audit?.actor ?? '–',
            r.corrupt
              ? `corrupt: ${r.corrupt}`
              : r.audit?.rollbackOf
                ? `rollback to ${r.audit.rollbackOf}`
                : (r.audit?.action ?? ''),
            h(
              'ul',
              {},
              (r.audit?.changes ?? []).map((c) =>
                h(
                  'li',
                  {},
                  h('span', { class: 'mono' }, c.path),
                  ` ${json(c.from)} → ${json(c.to)}`,
                ),
              ),
            ),
            r.corrupt || r.revision === view.revision
              ? ''
              : action(
                  'Roll back',
                  `rollback-${r.revision}`,
                  async () => {
                    const result = await send<{ revision: number }>(
                      'POST',
                      `/api/settings/${encodeURIComponent(scope)}`,
                      { action: 'rollback', revision: r.revision },
                    );
                    return `${scope}: rolled back to ${r.revision} as revision ${result.revision}`;
                  },
                  refresh,
                  { describe: `Roll ${scope} back to revision ${r.revision}` },
                ),
          ]),
        ),
      );
    };
    root.append(h('h2', {}, 'Settings: ', scope), scopes, changeForm(scope, refresh), body);
    return refresh;
  },
};
