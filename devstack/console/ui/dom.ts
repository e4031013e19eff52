// Every element is built with createElement and every value goes in as text (textContent,
// setAttribute): nothing reaches innerHTML, so no value shown can become markup or script.

/** What `h` accepts as children. */
export type Child = Node | string | number | boolean | null | undefined | readonly Child[];

type Handler = (event: Event) => void;
type Props = Record<string, string | number | boolean | Handler | null | undefined>;

const safeUrl = /^(#|\/(?!\/))/;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false || child === true) return;
  if (Array.isArray(child)) for (const c of child as readonly Child[]) append(parent, c);
  else if (child instanceof Node) parent.appendChild(child);
  else parent.appendChild(document.createTextNode(String(child as string | number)));
}

function setProp(element: Element, name: string, value: Props[string]): void {
  if (value === null || value === undefined || value === false) return;
  if (typeof value === 'function') {
    element.addEventListener(name.slice(2).toLowerCase(), value);
    return;
  }
  if (/^on/i.test(name)) throw new Error(`refusing an inline handler attribute: ${name}`);
  const text = value === true ? '' : String(value);
  if ((name === 'href' || name === 'src') && !safeUrl.test(text)) {
    throw new Error(`refusing a link outside the console: ${text}`);
  }
  element.setAttribute(name, text);
}

/** An HTML element with attributes (`onClick` etc. become listeners) and text or node children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) setProp(element, name, value);
  append(element, children);
  return element;
}

/** An SVG element, built the same way. */
export function svg(tag: string, props: Props = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(props)) setProp(element, name, value);
  append(element, children);
  return element;
}

/**
 * Replaces a region's content; the element that had focus (found again by its `data-key`) gets
 * it back, so live updates never pull the keyboard out from under the user.
 */
export function swap(region: Element, ...children: Child[]): void {
  const active = document.activeElement;
  const key = region.contains(active) ? active?.getAttribute('data-key') : null;
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  region.replaceChildren(fragment);
  if (key) {
    const again = [...region.querySelectorAll('[data-key]')].find(
      (el) => el.getAttribute('data-key') === key,
    );
    if (again instanceof HTMLElement) again.focus();
  }
}

/** A status badge; its text is the state, its class picks a colour. */
export function badge(state: string | null | undefined): HTMLElement {
  const text = typeof state === 'string' ? state : 'unknown';
  return h('span', { class: `badge ${text.replace(/[^A-Za-z_]/g, '')}` }, text);
}

/** A table with a caption, headers and rows of cells. */
export function table(caption: string, headers: readonly string[], rows: readonly Child[][]) {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: headers.length }, 'none'))
        : rows.map((cells) =>
            h(
              'tr',
              {},
              cells.map((cell) => h('td', {}, cell)),
            ),
          ),
    ),
  );
}

/** A time as the local clock shows it, with the full date in a tooltip. */
export function time(value: string | number | undefined | null): HTMLElement | string {
  if (value === undefined || value === null || value === '') return '–';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return h(
    'time',
    { datetime: date.toISOString(), title: date.toISOString() },
    date.toLocaleTimeString(),
  );
}
