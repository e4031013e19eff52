import type { ExperimentRow } from './verify.ts';

const columns: Array<[string, (row: ExperimentRow) => string]> = [
  ['experiment', (r) => r.name],
  ['placed', (r) => String(r.placed)],
  ['terminal', (r) => String(r.terminal)],
  ['stock drift', (r) => String(r.stockDrift)],
  ['double captures', (r) => String(r.doubleCaptures)],
  ['lost notif.', (r) => String(r.lostNotifications)],
  ['dup. notif.', (r) => String(r.duplicatedNotifications)],
  ['p50 settle', (r) => ms(r.p50Ms)],
  ['p99 settle', (r) => ms(r.p99Ms)],
  ['recover', (r) => ms(r.recoverMs)],
  ['faults', (r) => (Number.isNaN(r.injected) ? '?' : String(r.injected))],
  ['verdict', (r) => (r.note ? `${r.verdict} (${r.note})` : r.verdict)],
];

function ms(value: number): string {
  if (Number.isNaN(value)) return '-';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** The results as one Markdown table (readable in a terminal, pasteable into docs). */
export function formatTable(rows: readonly ExperimentRow[]): string {
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([title], i) =>
    Math.max(title.length, ...cells.map((line) => line[i]!.length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(columns.map(([title]) => title)),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.map(line),
  ].join('\n');
}
