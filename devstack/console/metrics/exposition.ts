/** One sample line of the Prometheus text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseLabels(text: string | undefined): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  labelPair.lastIndex = 0;
  let consumed = 0;
  for (let match = labelPair.exec(text); match; match = labelPair.exec(text)) {
    labels[match[1]!] = unescape(match[2]!);
    consumed = labelPair.lastIndex;
  }
  return consumed === text.length ? labels : undefined;
}

/**
 * The samples of a text exposition; comments and lines that do not parse are skipped.
 * (parse-prometheus-text-format, which the tests use, merges labelled histograms into one.)
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) continue;
    const labels = parseLabels(match[2]);
    const value = Number(match[3]);
    if (labels && !Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}
