import { getJson, say } from '../api.ts';
import { badge, h, swap, table } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface Span {
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startNs: string;
  endNs: string;
  status: number;
  attributes: Record<string, string | number | boolean>;
}
interface Summary {
  traceId: string;
  rootName: string;
  durationMs: number;
  spanCount: number;
  services: string[];
}

/** Spans in tree order (each after its parent), with their depth. */
function ordered(spans: Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, Span[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const out: { span: Span; depth: number }[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) =>
      BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1,
    );
    for (const span of list) {
      out.push({ span, depth });
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

function waterfall(traceId: string, spans: Span[]): HTMLElement {
  const start = spans.reduce(
    (m, s) => (BigInt(s.startNs) < m ? BigInt(s.startNs) : m),
    BigInt(spans[0]!.startNs),
  );
  const end = spans.reduce((m, s) => (BigInt(s.endNs) > m ? BigInt(s.endNs) : m), start + 1n);
  const total = Number(end - start);
  const pct = (ns: bigint) => `${((Number(ns - start) / total) * 100).toFixed(2)}%`;
  const rows = ordered(spans).map(({ span, depth }) => {
    const ms = Number(BigInt(span.endNs) - BigInt(span.startNs)) / 1e6;
    const failed = span.status === 2;
    return [
      h(
        'details',
        { 'data-key': `span-${span.spanId}` },
        h('summary', { style: `padding-left:${depth * 14}px` }, span.name),
        table(
          'Attributes',
          ['key', 'value'],
          Object.entries(span.attributes).map(([k, v]) => [
            h('span', { class: 'mono' }, k),
            h('span', { class: 'mono' }, String(v)),
          ]),
        ),
      ),
      span.service,
      `${ms.toFixed(1)} ms`,
      failed ? badge('error') : '',
      h(
        'div',
        {
          class: 'bars',
          role: 'img',
          'aria-label': `${span.name} from ${(Number(BigInt(span.startNs) - start) / 1e6).toFixed(1)} ms for ${ms.toFixed(1)} ms`,
        },
        h('span', {
          class: `bar${failed ? ' error' : ''}`,
          style: `left:${pct(BigInt(span.startNs))};width:${pct(start + BigInt(span.endNs) - BigInt(span.startNs))}`,
        }),
      ),
    ];
  });
  return h(
    'div',
    {},
    h(
      'h3',
      {},
      'Trace ',
      h('span', { class: 'mono' }, traceId),
      ` · ${(total / 1e6).toFixed(1)} ms · ${spans.length} spans`,
    ),
    table(
      'Spans (open one for its attributes)',
      ['span', 'service', 'took', 'status', 'waterfall'],
      rows,
    ),
  );
}

/** Search traces by order id or trace id; a trace's spans as a waterfall. */
export const tracesPanel: Panel = {
  id: 'traces',
  title: 'Traces',
  mount(root, params) {
    const input = h('input', {
      id: 'trace-query',
      type: 'search',
      name: 'q',
      required: true,
      'aria-describedby': 'trace-query-help',
    });
    const form = h(
      'form',
      { role: 'search', 'aria-label': 'Find a trace', class: 'row' },
      h('label', { for: 'trace-query' }, 'Order id or trace id'),
      input,
      h('button', { type: 'submit' }, 'Find'),
      h(
        'span',
        { id: 'trace-query-help', class: 'hint' },
        'an order id finds every trace that carried it',
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      location.hash = `#/traces/search/${encodeURIComponent(input.value.trim())}`;
    });
    const body = h('div');
    root.append(h('h2', {}, 'Traces'), form, body);
    const [first, second] = params;
    if (first === 'search' && second) input.value = decodeURIComponent(second);
    let shown = '';
    return async () => {
      if (first && first !== 'search') {
        if (shown === first) return; // A trace does not change once shown; keep open details.
        const trace = await getJson<{ spans: Span[] }>(`/api/traces/${encodeURIComponent(first)}`);
        shown = first;
        swap(body, waterfall(first, trace.spans));
        return;
      }
      if (first === 'search' && second) {
        const { traceIds } = await getJson<{ traceIds: string[] }>(
          `/api/traces?q=${encodeURIComponent(decodeURIComponent(second))}`,
        );
        if (traceIds.length === 1) {
          location.replace(`#/traces/${traceIds[0]}`);
          return;
        }
        if (traceIds.length === 0)
          say('No trace found yet; it may still be on its way to the collector.');
        swap(
          body,
          table(
            'Matching traces',
            ['trace'],
            traceIds.map((id) => [
              h('a', { href: `#/traces/${id}`, class: 'mono', 'data-key': id }, id),
            ]),
          ),
        );
        return;
      }
      const { traces } = await getJson<{ traces: Summary[] }>('/api/traces');
      swap(
        body,
        table(
          'Recent traces',
          ['trace', 'root span', 'took', 'spans', 'services'],
          traces.map((t) => [
            h(
              'a',
              { href: `#/traces/${t.traceId}`, class: 'mono', 'data-key': t.traceId },
              t.traceId,
            ),
            t.rootName,
            `${t.durationMs.toFixed(1)} ms`,
            String(t.spanCount),
            t.services.join(', '),
          ]),
        ),
      );
    };
  },
};
