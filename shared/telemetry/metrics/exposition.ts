import type { MetricFamily } from './registry.ts';
import type { MetricsSnapshot } from './store.ts';

/** The content type of Prometheus text exposition 0.0.4. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeHelp(help: string): string {
  return help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function seriesNames(family: MetricFamily): string[] {
  return family.kind === 'histogram'
    ? [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`]
    : [family.name];
}

function baseName(key: string): string {
  const brace = key.indexOf('{');
  return brace === -1 ? key : key.slice(0, brace);
}

function leOf(key: string): number {
  const match = /le="([^"]*)"/.exec(key);
  if (!match) return 0;
  return match[1] === '+Inf' ? Infinity : Number(match[1]);
}

function withoutLe(key: string): string {
  return key.replace(/,?le="[^"]*"/, '');
}

/**
 * Renders a snapshot as Prometheus text exposition: HELP and TYPE per family, series grouped
 * under their family, histogram buckets in ascending `le` order per label set.
 */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const byBase = new Map<string, string[]>();
  for (const key of snapshot.values.keys()) {
    const base = baseName(key);
    const list = byBase.get(base);
    if (list) list.push(key);
    else byBase.set(base, [key]);
  }
  const lines: string[] = [];
  const families = [...snapshot.families].sort((a, b) => a.name.localeCompare(b.name));
  for (const family of families) {
    const names = seriesNames(family);
    if (!names.some((name) => byBase.has(name))) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.kind}`);
    if (family.kind === 'histogram') {
      const buckets = (byBase.get(names[0]!) ?? []).sort(
        (a, b) => withoutLe(a).localeCompare(withoutLe(b)) || leOf(a) - leOf(b),
      );
      const groups = new Map<string, string[]>();
      for (const key of buckets) {
        const group = withoutLe(key)
          .slice(names[0]!.length)
          .replace(/^\{\}$/, '');
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      for (const [labels, keys] of groups) {
        for (const key of keys) lines.push(`${key} ${formatValue(snapshot.values.get(key)!)}`);
        for (const suffix of [names[1]!, names[2]!]) {
          const key = `${suffix}${labels}`;
          const value = snapshot.values.get(key);
          if (value !== undefined) lines.push(`${key} ${formatValue(value)}`);
        }
      }
    } else {
      for (const key of (byBase.get(family.name) ?? []).sort()) {
        lines.push(`${key} ${formatValue(snapshot.values.get(key)!)}`);
      }
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
