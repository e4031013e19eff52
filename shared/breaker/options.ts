import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Tunables of a circuit breaker; resilience4j's semantics, times in milliseconds. */
export interface BreakerOptions {
  /** `count`: the last `windowSize` calls; `time`: the calls of the last `windowSize` seconds. Default `count`. */
  windowType?: 'count' | 'time';
  /** Calls (count window, 1–10,000) or seconds (time window, 1–3,600). Default 100. */
  windowSize?: number;
  /** Calls the window must hold before rates are judged, ≥ 1. Default 20. */
  minimumCalls?: number;
  /** Failure rate in percent (1–100) at or above which the breaker opens. Default 50. */
  failureRateThreshold?: number;
  /** Slow-call rate in percent (1–100) at or above which the breaker opens. Default 100. */
  slowCallRateThreshold?: number;
  /** A call taking at least this long is slow, ms ≥ 1. Default 5,000. */
  slowCallDurationMs?: number;
  /** Time spent OPEN before probing, ms ≥ 1. Default 30,000. */
  waitInOpenMs?: number;
  /** Each consecutive re-open multiplies the wait by this (1 = constant), 1–10. Default 1. */
  openBackoffMultiplier?: number;
  /** Cap of the growing wait in OPEN, ms. Default 10 × `waitInOpenMs`. */
  maxWaitInOpenMs?: number;
  /** Probe calls allowed in HALF_OPEN across every isolate, 1–100. Default 1. */
  permittedCallsInHalfOpen?: number;
  /** HALF_OPEN without a verdict for this long re-opens, so a stuck probe cannot pin it, ms ≥ 1. Default 10,000. */
  maxWaitInHalfOpenMs?: number;
}

/** Options with every default applied. */
export type ResolvedBreakerOptions = Required<BreakerOptions>;

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new EdgeMeshError(
      'CONFIG',
      `breaker option ${name} must be a number from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

/** Applies defaults and rejects out-of-range values with a CONFIG error naming the option. */
export function resolveBreakerOptions(options: BreakerOptions = {}): ResolvedBreakerOptions {
  const {
    windowType = 'count',
    windowSize = 100,
    minimumCalls = 20,
    failureRateThreshold = 50,
    slowCallRateThreshold = 100,
    slowCallDurationMs = 5_000,
    waitInOpenMs = 30_000,
    openBackoffMultiplier = 1,
    permittedCallsInHalfOpen = 1,
    maxWaitInHalfOpenMs = 10_000,
  } = options;
  const maxWaitInOpenMs = options.maxWaitInOpenMs ?? waitInOpenMs * 10;
  if (windowType !== 'count' && windowType !== 'time') {
    throw new EdgeMeshError('CONFIG', `breaker option windowType must be count or time`);
  }
  check('windowSize', windowSize, 1, windowType === 'count' ? 10_000 : 3_600);
  check('minimumCalls', minimumCalls, 1, 1_000_000);
  check('failureRateThreshold', failureRateThreshold, 1, 100);
  check('slowCallRateThreshold', slowCallRateThreshold, 1, 100);
  check('slowCallDurationMs', slowCallDurationMs, 1, 3_600_000);
  check('waitInOpenMs', waitInOpenMs, 1, 86_400_000);
  check('openBackoffMultiplier', openBackoffMultiplier, 1, 10);
  check('maxWaitInOpenMs', maxWaitInOpenMs, waitInOpenMs, 86_400_000);
  check('permittedCallsInHalfOpen', permittedCallsInHalfOpen, 1, 100);
  check('maxWaitInHalfOpenMs', maxWaitInHalfOpenMs, 1, 86_400_000);
  return {
    windowType,
    windowSize,
    minimumCalls,
    failureRateThreshold,
    slowCallRateThreshold,
    slowCallDurationMs,
    waitInOpenMs,
    openBackoffMultiplier,
    maxWaitInOpenMs,
    permittedCallsInHalfOpen,
    maxWaitInHalfOpenMs,
  };
}
