import { EdgeMeshError, isEdgeMeshError } from '../errors/edgemesh-error.ts';
import type { Policy } from './policy.ts';
import type { RetryBudget } from './retry-budget.ts';
import { isUpstreamStatusError } from './upstream-error.ts';

/** Statuses worth another attempt, each because the callee said it may work later. */
export const retryableStatuses: ReadonlySet<number> = new Set([
  408, // Request Timeout: the server gave up waiting for us
  429, // Too Many Requests: back off (Retry-After says how long)
  502, // Bad Gateway: a proxy could not reach an instance
  503, // Service Unavailable: overloaded or starting (Retry-After may say how long)
  504, // Gateway Timeout: a proxy timed out, the call may never have run
]);

/** Methods that are safe to repeat (RFC 9110 §9.2.2); others need an `Idempotency-Key`. */
export const idempotentMethods: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]);

/** Options of the retry policy. */
export interface RetryOptions {
  /** Attempts including the first, 1–10. Default 3. */
  maxAttempts?: number;
  /** Backoff base, ms (1–60,000): attempt n waits up to `baseDelayMs × 2^n`. Default 50. */
  baseDelayMs?: number;
  /** Cap of one backoff, ms (≥ baseDelayMs, ≤ 600,000). Default 2,000. */
  maxDelayMs?: number;
  /** Shared retry budget; a spent budget stops retrying. */
  budget?: RetryBudget;
  /** Whether an error is worth another attempt. Default `isRetryableError`. */
  shouldRetry?: (error: unknown) => boolean;
  /** Time left before the caller's deadline, ms; a backoff that would not fit is not taken. */
  remainingMs?: () => number;
  /** Called before each retry with the error that caused it (to free a response body, log, …). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Uniform random in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Retryable: a failing status in `retryableStatuses`, a per-attempt TIMEOUT, or a network error. */
export function isRetryableError(error: unknown): boolean {
  if (isUpstreamStatusError(error)) return retryableStatuses.has(error.response.status);
  if (isEdgeMeshError(error))
    return (
      error.code === 'TIMEOUT' || (error.code === 'UPSTREAM' && error.cause instanceof TypeError)
    );
  return error instanceof TypeError;
}

function retryAfterOf(error: unknown): number | undefined {
  return isUpstreamStatusError(error) ? error.retryAfterMs : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new EdgeMeshError(
      'CONFIG',
      `retry option ${name} must be ${min} to ${max}, got ${value}`,
    );
  }
}

/**
 * Retries with exponential backoff and full jitter (a uniform wait in [0, min(cap, base × 2^n))),
 * never shorter than the callee's `Retry-After`, within a retry budget and the caller's deadline.
 * @example retryPolicy({ maxAttempts: 3, budget: createRetryBudget() })
 */
export function retryPolicy({
  maxAttempts = 3,
  baseDelayMs = 50,
  maxDelayMs = 2_000,
  budget,
  shouldRetry = isRetryableError,
  remainingMs,
  onRetry,
  random = Math.random,
}: RetryOptions = {}): Policy {
  check('maxAttempts', maxAttempts, 1, 10);
  check('baseDelayMs', baseDelayMs, 1, 60_000);
  check('maxDelayMs', maxDelayMs, baseDelayMs, 600_000);
  return {
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      const outer = signal ?? new AbortController().signal;
      budget?.recordCall();
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await fn(outer);
        } catch (error) {
          if (attempt + 1 >= maxAttempts || outer.aborted || !shouldRetry(error)) throw error;
          const backoff = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
          const delay = Math.max(backoff, retryAfterOf(error) ?? 0);
          if (remainingMs && delay >= remainingMs()) throw error;
          if (budget && !budget.tryRetry()) throw error;
          onRetry?.(error, attempt + 1, delay);
          await sleep(delay, outer);
        }
      }
    },
  };
}
