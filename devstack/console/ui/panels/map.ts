import { getJson } from '../api.ts';
import { sparkline } from '../chart.ts';
import { badge, h, svg, swap, table } from '../dom.ts';
import { fixed, type Panel } from '../panel.ts';

interface Point {
  t: number;
  rate: number;
  errorRatio: number | null;
  p99Ms: number | null;
}
interface Series {
  key: string;
  now: Omit<Point, 't'>;
  points: Point[];
}
interface Fn {
  name: string;
  url: string;
  runtime: string;
  health: { status?: string; checks?: Record<string, unknown> };
  routes: Series[];
  dependencies: Series[];
}
interface Edge {
  from: string;
  to: string;
  kind: 'call' | 'topic';
  label: string;
}

function diagram(functions: Fn[], edges: Edge[]): SVGElement {
  const names = [
    ...new Set([...functions.map((f) => f.name), ...edges.flatMap((e) => [e.from, e.to])]),
  ];
  const width = 760;
  const height = 300;
  const at = new Map(
    names.map((name, i) => {
      const angle = (2 * Math.PI * i) / names.length - Math.PI / 2;
      return [
        name,
        { x: width / 2 + 290 * Math.cos(angle), y: height / 2 + 115 * Math.sin(angle) },
      ];
    }),
  );
  const status = new Map(functions.map((f) => [f.name, f.health.status ?? 'unknown']));
  const lines = edges.map((edge) => {
    const [a, b] = [at.get(edge.from)!, at.get(edge.to)!];
    return svg(
      'line',
      {
        x1: a.x,
        y1: a.y,
        x2: b.x,
        y2: b.y,
        stroke: edge.kind === 'call' ? '#1f5fbf' : '#9a6700',
        'stroke-width': 2,
        'stroke-dasharray': edge.kind === 'topic' ? '6 4' : null,
        'marker-end': 'url(#arrow)',
      },
      svg(
        'title',
        {},
        `${edge.from} → ${edge.to} (${edge.kind === 'call' ? 'HTTP call' : `topic ${edge.label}`})`,
      ),
    );
  });
  const nodes = names.map((name) => {
    const { x, y } = at.get(name)!;
    const health = status.get(name);
    const fill = health === 'ok' ? '#dff3e4' : health === undefined ? '#f2f2ef' : '#fbe0de';
    return svg(
      'g',
      {},
      svg('rect', { x: x - 62, y: y - 16, width: 124, height: 32, rx: 6, fill, stroke: '#5f6368' }),
      svg('text', { x, y: y + 5, 'text-anchor': 'middle' }, name),
    );
  });
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': 'Map of functions, their calls (solid) and topics (dashed)',
    },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 40,
          refY: 5,
          markerWidth: 6,
          markerHeight: 6,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#5f6368' }),
      ),
    ),
    lines,
    nodes,
  );
}

function redRows(series: Series[]) {
  return series.map((s) => {
    const t = s.points.map((p) => p.t);
    return [
      h('span', { class: 'mono' }, s.key),
      fixed(s.now.rate, 2),
      fixed(s.now.errorRatio === null ? null : s.now.errorRatio * 100, 1, ' %'),
      fixed(s.now.p99Ms, 0, ' ms'),
      sparkline(
        `${s.key} requests per second`,
        t,
        s.points.map((p) => p.rate),
        'req/s',
      ),
      sparkline(
        `${s.key} p99`,
        t,
        s.points.map((p) => p.p99Ms),
        'ms',
      ),
    ];
  });
}

function card(fn: Fn): HTMLElement {
  const status = fn.health.status ?? 'unknown';
  return h(
    'article',
    { class: 'card', 'aria-labelledby': `fn-${fn.name}` },
    h(
      'h3',
      { id: `fn-${fn.name}` },
      fn.name,
      badge(status),
      h('span', { class: 'hint' }, fn.runtime),
    ),
    h('div', { class: 'hint mono' }, fn.url),
    table(
      `${fn.name}: routes (last 30 s)`,
      ['route', 'req/s', 'errors', 'p99', 'rate', 'p99 over time'],
      redRows(fn.routes),
    ),
    fn.dependencies.length > 0
      ? table(
          `${fn.name}: calls to other services`,
          ['dependency', 'calls/s', 'errors', 'p99', 'rate', 'p99 over time'],
          redRows(fn.dependencies),
        )
      : null,
  );
}

/** Functions, their health and RED per route, and the calls and topics between them. */
export const mapPanel: Panel = {
  id: 'map',
  title: 'System map',
  mount(root) {
    const picture = h('div', { class: 'map' });
    const cards = h('div', { class: 'cards' });
    const links = h('div');
    root.append(h('h2', {}, 'System map'), picture, links, h('h2', {}, 'Functions'), cards);
    return async () => {
      const { functions, edges } = await getJson<{ functions: Fn[]; edges: Edge[] }>('/api/system');
      swap(picture, diagram(functions, edges));
      swap(
        links,
        table(
          'Calls and topics between functions',
          ['from', 'to', 'how'],
          edges.map((e) => [e.from, e.to, e.kind === 'call' ? 'HTTP call' : `topic ${e.label}`]),
        ),
      );
      swap(cards, functions.map(card));
    };
  },
};
