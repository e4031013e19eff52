import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Options of a retry budget. */
export interface RetryBudgetOptions {
  /** Retries allowed as a share of calls in the window, 0–1. Default 0.2. */
  ratio?: number;
  /** Sliding window, ms (1,000–600,000). Default 10,000. */
  windowMs?: number;
  /** Retries always allowed per window, so a quiet client can still retry, ≥ 0. Default 3. */
  minRetries?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Caps retries to a share of calls so retries cannot multiply an outage. Per isolate. */
export interface RetryBudget {
  /** Counts one call (not attempt). */
  recordCall(): void;
  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean;
}

const bucketsPerWindow = 10;

/**
 * A sliding-window retry budget: retries ≤ `ratio` × calls + `minRetries` over `windowMs`.
 * @example const budget = createRetryBudget({ ratio: 0.2 });
 */
export function createRetryBudget({
  ratio = 0.2,
  windowMs = 10_000,
  minRetries = 3,
  now = () => Date.now(),
}: RetryBudgetOptions = {}): RetryBudget {
  if (!(ratio >= 0 && ratio <= 1))
    throw new EdgeMeshError('CONFIG', `retry budget ratio must be 0 to 1, got ${ratio}`);
  if (!(windowMs >= 1_000 && windowMs <= 600_000)) {
    throw new EdgeMeshError(
      'CONFIG',
      `retry budget windowMs must be 1000 to 600000, got ${windowMs}`,
    );
  }
  if (!(Number.isInteger(minRetries) && minRetries >= 0)) {
    throw new EdgeMeshError(
      'CONFIG',
      `retry budget minRetries must be a whole number ≥ 0, got ${minRetries}`,
    );
  }
  const bucketMs = windowMs / bucketsPerWindow;
  const buckets = new Map<number, { calls: number; retries: number }>();
  const current = () => {
    const index = Math.floor(now() / bucketMs);
    for (const key of buckets.keys()) if (key <= index - bucketsPerWindow) buckets.delete(key);
    let bucket = buckets.get(index);
    if (!bucket) {
      bucket = { calls: 0, retries: 0 };
      buckets.set(index, bucket);
    }
    return bucket;
  };
  return {
    recordCall() {
      current().calls += 1;
    },
    tryRetry() {
      const bucket = current();
      let calls = 0;
      let retries = 0;
      for (const b of buckets.values()) {
        calls += b.calls;
        retries += b.retries;
      }
      if (retries + 1 > ratio * calls + minRetries) return false;
      bucket.retries += 1;
      return true;
    },
  };
}
