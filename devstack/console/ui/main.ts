import { ApiError, getJson, rememberToken, say } from './api.ts';
import { h, swap } from './dom.ts';
import type { Panel } from './panel.ts';
import { breakersPanel } from './panels/breakers.ts';
import { explorerPanel } from './panels/explorer.ts';
import { mapPanel } from './panels/map.ts';
import { ordersPanel } from './panels/orders.ts';
import { queuesPanel } from './panels/queues.ts';
import { settingsPanel } from './panels/settings.ts';
import { tracesPanel } from './panels/traces.ts';

const panels: Panel[] = [
  mapPanel,
  ordersPanel,
  tracesPanel,
  breakersPanel,
  queuesPanel,
  settingsPanel,
];
const refreshMs = 2_000;

let refresh: (() => Promise<void>) | undefined;
let busy = false;

function route(): { panel: Panel; params: string[] } {
  const [id, ...params] = location.hash.replace(/^#\/?/, '').split('/');
  const panel = panels.find((p) => p.id === id) ?? mapPanel;
  return { panel, params: params.filter(Boolean) };
}

function renderNav(current: Panel): void {
  swap(
    document.getElementById('nav')!,
    panels.map((p) =>
      h(
        'a',
        {
          href: `#/${p.id}`,
          'aria-current': p === current ? 'page' : null,
          'data-key': `nav-${p.id}`,
        },
        p.title,
      ),
    ),
  );
}

async function tick(): Promise<void> {
  if (!refresh || busy || document.hidden) return;
  busy = true;
  const current = refresh;
  try {
    await current();
    if (document.getElementById('status')?.classList.contains('error') && current === refresh)
      say('');
  } catch (error) {
    say(
      error instanceof ApiError ? error.detail : `Cannot reach the console: ${String(error)}`,
      true,
    );
  } finally {
    busy = false;
  }
}

function show(): void {
  const { panel, params } = route();
  renderNav(panel);
  const main = document.getElementById('panel')!;
  main.replaceChildren();
  document.title = `${panel.title} · edgemesh console`;
  refresh = panel.mount(main, params);
  busy = false;
  void tick();
}

/** The API explorer appears once some function serves an OpenAPI document. */
async function detectExplorer(): Promise<void> {
  const { functions } = await getJson<{ functions: { name: string }[] }>('/api/system');
  for (const fn of functions) {
    const response = await fetch(`/api/openapi/${encodeURIComponent(fn.name)}`);
    if (response.ok) {
      panels.push(explorerPanel);
      renderNav(route().panel);
      if (route().panel === explorerPanel) show();
      return;
    }
  }
}

rememberToken();
window.addEventListener('hashchange', () => {
  show();
  document.getElementById('panel')?.focus();
});
show();
setInterval(() => void tick(), refreshMs);
void detectExplorer().catch(() => {});
