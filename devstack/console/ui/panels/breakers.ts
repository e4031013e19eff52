import { getJson, send } from '../api.ts';
import { action } from '../actions.ts';
import { badge, h, swap, table, time } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface Row {
  caller: string;
  scope: string;
  dependency: string;
  state: { kind: string; epoch: number; since: number; until?: number } | null;
  forced: 'open' | 'closed' | null;
  transitions: { at: number; from: string; to: string }[];
}

/** Breaker state per caller and dependency, transitions, and force open/closed via settings. */
export const breakersPanel: Panel = {
  id: 'breakers',
  title: 'Breakers',
  mount(root) {
    const body = h('div');
    root.append(
      h('h2', {}, 'Circuit breakers'),
      h(
        'p',
        { class: 'hint' },
        'Forcing writes breaker.force.<dependency> in the caller\u2019s live settings; every isolate applies it within its settings interval.',
      ),
      body,
    );
    const refresh = async () => {
      const { breakers } = await getJson<{ breakers: Row[] }>('/api/breakers');
      const force = (row: Row, to: 'open' | 'closed' | null) =>
        action(
          to === null ? 'Automatic' : `Force ${to}`,
          `force-${to}-${row.caller}-${row.scope}`,
          async () => {
            await send('POST', '/api/breakers/force', {
              caller: row.caller,
              dependency: row.dependency,
              force: to,
            });
            return `${row.caller} → ${row.dependency}: ${to === null ? 'automatic' : `forced ${to}`}`;
          },
          refresh,
          {
            describe: `${to === null ? 'Automatic' : `Force ${to}`}: ${row.caller} calling ${row.dependency}`,
          },
        );
      swap(
        body,
        table(
          'Breakers by caller',
          [
            'caller',
            'breaker',
            'state (shared)',
            'since',
            'operator',
            'transitions seen',
            'change',
          ],
          breakers.map((row) => [
            row.caller,
            h('span', { class: 'mono' }, row.scope),
            badge(row.state?.kind ?? 'CLOSED'),
            time(row.state?.since),
            row.forced
              ? badge(row.forced === 'open' ? 'FORCED_OPEN' : 'forced closed')
              : 'automatic',
            row.transitions.length === 0
              ? '–'
              : h(
                  'ul',
                  {},
                  row.transitions
                    .slice(-5)
                    .map((t) => h('li', {}, time(t.at), ` ${t.from} → ${t.to}`)),
                ),
            h(
              'div',
              { class: 'row' },
              force(row, 'open'),
              force(row, 'closed'),
              row.forced ? force(row, null) : null,
            ),
          ]),
        ),
      );
    };
    return refresh;
  },
};
