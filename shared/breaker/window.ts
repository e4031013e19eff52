/**
 * One call's outcome as one character, so windows serialise compactly and travel through
 * Redis lists unchanged: `s` fast success, `S` slow success, `f` fast failure, `F` slow failure.
 */
export type OutcomeCode = 's' | 'S' | 'f' | 'F';

/** The last N calls, oldest first, one code each. */
export interface CountWindow {
  readonly type: 'count';
  readonly codes: string;
}

/** Per-second buckets: `[epochSecond, calls, failures, slowCalls]`, oldest first. */
export interface TimeWindow {
  readonly type: 'time';
  readonly buckets: ReadonlyArray<readonly [number, number, number, number]>;
}

/** Serialisable sliding window of a CLOSED breaker. */
export type WindowState = CountWindow | TimeWindow;

/** Calls, failures and slow calls currently in a window. */
export interface WindowSummary {
  calls: number;
  failures: number;
  slowCalls: number;
}

/** An outcome with the time it was observed (ms since the epoch). */
export interface TimedOutcome {
  readonly code: OutcomeCode;
  readonly at: number;
}

/** The code of a call that failed or not and took `durationMs`. */
export function outcomeCode(
  failed: boolean,
  durationMs: number,
  slowCallDurationMs: number,
): OutcomeCode {
  const slow = durationMs >= slowCallDurationMs;
  return failed ? (slow ? 'F' : 'f') : slow ? 'S' : 's';
}

/** An empty window of the given kind. */
export function emptyWindow(type: 'count' | 'time'): WindowState {
  return type === 'count' ? { type, codes: '' } : { type, buckets: [] };
}

/** Adds outcomes; a count window keeps the last `size` calls, a time window the last `size` seconds before `now`. */
export function recordOutcomes(
  window: WindowState,
  outcomes: readonly TimedOutcome[],
  size: number,
  now: number,
): WindowState {
  if (window.type === 'count') {
    const codes = window.codes + outcomes.map((o) => o.code).join('');
    return { type: 'count', codes: codes.slice(-size) };
  }
  const buckets = new Map<number, [number, number, number, number]>();
  for (const bucket of window.buckets) buckets.set(bucket[0], [...bucket]);
  for (const { code, at } of outcomes) {
    const second = Math.floor(at / 1000);
    const bucket = buckets.get(second) ?? [second, 0, 0, 0];
    bucket[1] += 1;
    if (code === 'f' || code === 'F') bucket[2] += 1;
    if (code === 'S' || code === 'F') bucket[3] += 1;
    buckets.set(second, bucket);
  }
  return pruneWindow({ type: 'time', buckets: [...buckets.values()] }, size, now);
}

/** Drops time buckets older than `size` seconds before `now`; count windows are unchanged. */
export function pruneWindow(window: WindowState, size: number, now: number): WindowState {
  if (window.type === 'count') return window;
  const oldest = Math.floor(now / 1000) - size + 1;
  return {
    type: 'time',
    buckets: window.buckets.filter((b) => b[0] >= oldest).sort((a, b) => a[0] - b[0]),
  };
}

/** Counts what the window holds. */
export function summarize(window: WindowState): WindowSummary {
  const summary = { calls: 0, failures: 0, slowCalls: 0 };
  if (window.type === 'count') {
    for (const code of window.codes) {
      summary.calls += 1;
      if (code === 'f' || code === 'F') summary.failures += 1;
      if (code === 'S' || code === 'F') summary.slowCalls += 1;
    }
    return summary;
  }
  for (const [, calls, failures, slow] of window.buckets) {
    summary.calls += calls;
    summary.failures += failures;
    summary.slowCalls += slow;
  }
  return summary;
}
