import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EdgeMeshError, hasCode } from '../../../../shared/errors/edgemesh-error.ts';
import { createRetryBudget } from '../../../../shared/http/retry-budget.ts';
import { retryPolicy } from '../../../../shared/http/retry.ts';
import { UpstreamStatusError } from '../../../../shared/http/upstream-error.ts';

const unavailable = (headers: Record<string, string> = {}) =>
  new UpstreamStatusError('inventory', new Response('', { status: 503, headers }), Date.now());

describe('retry policy', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('retries a retryable failure until it succeeds, waiting a full-jitter backoff', async () => {
    const delays: number[] = [];
    const policy = retryPolicy({
      maxAttempts: 3,
      baseDelayMs: 100,
      random: () => 0.5,
      onRetry: (_e, _n, d) => delays.push(d),
    });
    let calls = 0;
    const result = policy.execute(() => {
      calls += 1;
      if (calls < 3) return Promise.reject(unavailable());
      return Promise.resolve('ok');
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('ok');
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let calls = 0;
    const result = retryPolicy({ maxAttempts: 2 }).execute(() => {
      calls += 1;
      return Promise.reject(unavailable());
    });
    const settled = expect(result).rejects.toSatisfy((e) => hasCode(e, 'UPSTREAM'));
    await vi.runAllTimersAsync();
    await settled;
    expect(calls).toBe(2);
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    const result = retryPolicy().execute(() => {
      calls += 1;
      return Promise.reject(new EdgeMeshError('VALIDATION', 'bad'));
    });
    await expect(result).rejects.toSatisfy((e) => hasCode(e, 'VALIDATION'));
    expect(calls).toBe(1);
  });

  it('waits at least what Retry-After asks', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = retryPolicy({ random: () => 0, onRetry: (_e, _n, d) => delays.push(d) }).execute(
      async () => {
        calls += 1;
        if (calls === 1) return Promise.reject(unavailable({ 'retry-after': '2' }));
        return Promise.resolve('ok');
      },
    );
    await vi.runAllTimersAsync();
    await result;
    expect(delays).toEqual([2_000]);
  });

  it('does not retry when the backoff would outlast the deadline', async () => {
    let calls = 0;
    const result = retryPolicy({ remainingMs: () => 500 }).execute(() => {
      calls += 1;
      return Promise.reject(unavailable({ 'retry-after': '1' }));
    });
    await expect(result).rejects.toBeInstanceOf(UpstreamStatusError);
    expect(calls).toBe(1);
  });

  it('stops retrying when the caller aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    // Half the 1 s backoff: the abort at 10 ms lands while it waits (Math.random could pick < 10 ms).
    const result = retryPolicy({ maxAttempts: 5, baseDelayMs: 1_000, random: () => 0.5 }).execute(
      () => {
        calls += 1;
        return Promise.reject(unavailable());
      },
      controller.signal,
    );
    const settled = expect(result).rejects.toBeDefined();
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('caller left'));
    await settled;
    expect(calls).toBe(1);
  });

  it('keeps retries within the budget under a callee that always fails', async () => {
    const budget = createRetryBudget({ ratio: 0.2, minRetries: 3, windowMs: 10_000 });
    const policy = retryPolicy({ maxAttempts: 3, baseDelayMs: 1, budget });
    let attempts = 0;
    for (let call = 0; call < 100; call += 1) {
      const result = policy.execute(() => {
        attempts += 1;
        return Promise.reject(unavailable());
      });
      const settled = result.catch(() => {});
      await vi.advanceTimersByTimeAsync(5);
      await settled;
    }
    expect(attempts - 100).toBeLessThanOrEqual(0.2 * 100 + 3);
    expect(attempts).toBeGreaterThan(100);
  });

  it('rejects out-of-range options at construction', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retryPolicy({ baseDelayMs: 100, maxDelayMs: 10 })).toThrow(/maxDelayMs/);
    expect(() => createRetryBudget({ ratio: 2 })).toThrow(/ratio/);
  });
});
