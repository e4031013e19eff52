import type { CollectedSpan } from './spans.ts';

export interface WaterfallOptions {
  /** Width of the timing bar in characters. Default 40. */
  barWidth?: number;
  /** Attributes shown after the name when present. */
  attributes?: readonly string[];
}

const defaultAttributes = [
  'http.response.status_code',
  'order.id',
  'db.operation.name',
  'edgemesh.attempt',
];

interface Node {
  span: CollectedSpan;
  children: Node[];
}

function buildForest(spans: readonly CollectedSpan[]): Node[] {
  const nodes = new Map(spans.map((span) => [span.spanId, { span, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: Node, b: Node) => (BigInt(a.span.startNs) < BigInt(b.span.startNs) ? -1 : 1);
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * Renders a trace as a terminal waterfall: one line per span, indented by depth, with its
 * offset bar, duration, service and name. Spans whose parent is missing start their own tree.
 */
export function renderWaterfall(
  spans: readonly CollectedSpan[],
  { barWidth = 40, attributes = defaultAttributes }: WaterfallOptions = {},
): string {
  if (spans.length === 0) return '(no spans)\n';
  const start = spans.reduce(
    (min, s) => (BigInt(s.startNs) < min ? BigInt(s.startNs) : min),
    BigInt(spans[0]!.startNs),
  );
  const end = spans.reduce((max, s) => (BigInt(s.endNs) > max ? BigInt(s.endNs) : max), start);
  const total = Number(end - start) || 1;
  const rows: Array<{ label: string; bar: string; duration: string }> = [];
  const walk = (node: Node, depth: number) => {
    const { span } = node;
    const offset = Number(BigInt(span.startNs) - start);
    const length = Number(BigInt(span.endNs) - BigInt(span.startNs));
    const from = Math.min(barWidth - 1, Math.floor((offset / total) * barWidth));
    const width = Math.max(1, Math.round((length / total) * barWidth));
    const bar =
      `${' '.repeat(from)}${(span.status === 2 ? '!' : '█').repeat(Math.min(width, barWidth - from))}`.padEnd(
        barWidth,
      );
    const extras = attributes
      .filter((name) => span.attributes[name] !== undefined)
      .map((name) => `${name}=${String(span.attributes[name])}`);
    const label = `${'  '.repeat(depth)}${span.service}: ${span.name}${extras.length ? `  ${extras.join(' ')}` : ''}${span.status === 2 ? '  ERROR' : ''}`;
    rows.push({ label, bar, duration: formatMs(length / 1e6) });
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of buildForest(spans)) walk(root, 0);
  const durationWidth = Math.max(...rows.map((row) => row.duration.length));
  const header = `trace ${spans[0]!.traceId}  ${spans.length} spans  ${formatMs(total / 1e6)}\n`;
  return `${header}${rows.map((row) => `${row.duration.padStart(durationWidth)} |${row.bar}| ${row.label}`).join('\n')}\n`;
}
