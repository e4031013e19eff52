/** Label names to values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** The label value that replaces every value once a family reaches its series limit. */
export const overflowLabel = '_other';

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

/** The exposition key of a series: `name{a="x",b="y"}` with labels in declared order. */
export function seriesKey(name: string, labelNames: readonly string[], values: Labels): string {
  if (labelNames.length === 0) return name;
  const pairs = labelNames.map((label) => `${label}="${escapeLabelValue(values[label] ?? '')}"`);
  return `${name}{${pairs.join(',')}}`;
}

// Series keys per label set, built once: recording is then a few map lookups and an addition.
// One map level per label, so a record builds no identity string (a profile showed that work).
// Bounded cardinality: a label set beyond the limit resolves to the all-`_other` series.
type Level = Map<string, Level | string[]>;

/**
 * The series keys of a label set, built by `build` on first sight and cached; once `seen` holds
 * `maxSeries` label sets, a new one gets the keys of the all-`_other` label set.
 */
export function seriesKeyCache(
  names: readonly string[],
  seen: Set<string>,
  maxSeries: number,
  build: (bounded: Labels) => string[],
): (labels: Labels) => string[] {
  const root: Level = new Map();
  let overflow: string[] | undefined;
  return function keysOf(labels) {
    let level: Level | undefined = root;
    for (let i = 0; i < names.length - 1 && level; i += 1) {
      level = level.get(labels[names[i]!] ?? '') as Level | undefined;
    }
    const leaf = names.length === 0 ? '' : (labels[names[names.length - 1]!] ?? '');
    const hit = level?.get(leaf) as string[] | undefined;
    if (hit) return hit;
    const values = names.map((label) => labels[label] ?? '');
    const identity = values.join('\u0000');
    if (seen.size >= maxSeries && !seen.has(identity)) {
      return (overflow ??= build(Object.fromEntries(names.map((label) => [label, overflowLabel]))));
    }
    seen.add(identity);
    const keys = build(labels);
    level = root;
    for (const value of values.slice(0, -1)) {
      let next = level.get(value) as Level | undefined;
      if (!next) level.set(value, (next = new Map()));
      level = next;
    }
    level.set(leaf, keys);
    return keys;
  };
}
