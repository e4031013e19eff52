/** Latency summary of a run, in milliseconds. */
export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
}

/** The p-th percentile of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `task` `total` times with `concurrency` in flight; returns latency percentiles. */
export async function measure(
  task: (i: number) => Promise<void>,
  { total, concurrency, warmup = 20 }: { total: number; concurrency: number; warmup?: number },
): Promise<Summary> {
  for (let i = 0; i < warmup; i += 1) await task(-1 - i);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarize(latencies, (performance.now() - started) / 1000);
}

/** Percentiles and throughput of latencies (ms) measured over `seconds`; sorts them in place. */
export function summarize(latencies: number[], seconds: number): Summary {
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    perSecond: latencies.length / seconds,
  };
}

/** One aligned line of a results table. */
export function formatRow(name: string, summary: Summary): string {
  const ms = (value: number) => `${value.toFixed(2).padStart(8)} ms`;
  return `${name.padEnd(44)} ${ms(summary.p50)} ${ms(summary.p95)} ${ms(summary.p99)} ${summary.perSecond
    .toFixed(0)
    .padStart(7)}/s`;
}

export const header = `${'scenario'.padEnd(44)} ${'p50'.padStart(11)} ${'p95'.padStart(11)} ${'p99'.padStart(11)} ${'throughput'.padStart(9)}`;
