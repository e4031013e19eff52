import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.ts';
import { breakerMachine, type BreakerMachine } from './machine.ts';
import type { BreakerOptions } from './options.ts';
import type { BreakerKind, BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';
import { emptyWindow, outcomeCode, type OutcomeCode, type TimedOutcome } from './window.ts';

/** A change of state as one isolate saw it. */
export interface BreakerTransition {
  readonly scope: string;
  readonly from: BreakerKind;
  readonly to: BreakerKind;
  readonly epoch: number;
  /** ms since the epoch. */
  readonly at: number;
  /** `local`: this isolate made it; `shared`: it learnt it from the store. */
  readonly source: 'local' | 'shared';
}

/** Options of one isolate's view of a shared breaker. */
export interface CreateBreakerOptions extends BreakerOptions {
  /** What the breaker protects: a service, or `service endpoint`. */
  scope: string;
  /** Where isolates share state (`upstashBreakerStore` in production). */
  store: BreakerStore;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Keeps background flushes alive after the response (the runtime's `waitUntil`). Default: fire and forget. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Bound on how old the cached shared state may be while calls flow, ms (10–60,000). Default 1,000. */
  staleMs?: number;
  /** Outcomes wait this long to be flushed together, ms (0–10,000). Default 100. */
  flushDelayMs?: number;
  /** A batch this large is flushed at once (1–10,000). Default 100. */
  maxBatch?: number;
  /** Results (not thrown errors) that count as failures, e.g. a 5xx Response. Default none. */
  isFailureResult?: (result: unknown) => boolean;
  /** Called on every transition this isolate makes or observes. */
  onTransition?: (transition: BreakerTransition) => void;
  /** Where transitions and store errors are logged, one line each. Default `console.info`. */
  log?: (line: string) => void;
}

/** One isolate's view of a breaker shared by every isolate; `execute` is the policy shape. */
export interface Breaker {
  readonly scope: string;
  /** Runs `fn` if the breaker lets it, records the outcome; OPEN throws CircuitOpenError. */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** The cached state, no I/O. */
  state(): BreakerState;
  /** Whether a call would be let through now, judged on the cached state, no I/O. */
  available(): boolean;
  /** Writes buffered outcomes to the store and refreshes the cached state. */
  flush(signal?: AbortSignal): Promise<void>;
  /** Reloads the shared state now. */
  refresh(signal?: AbortSignal): Promise<BreakerState>;
  /** Admin: every call fails fast until `reset`. */
  forceOpen(signal?: AbortSignal): Promise<void>;
  /** Admin: every call flows and nothing is recorded until `reset`. */
  disable(signal?: AbortSignal): Promise<void>;
  /** Admin: back to CLOSED with an empty window. */
  reset(signal?: AbortSignal): Promise<void>;
  /** Transitions seen so far, by `FROM->TO`. */
  transitions(): Readonly<Record<string, number>>;
}

type Admission =
  { kind: 'closed'; epoch: number } | { kind: 'probe'; epoch: number } | { kind: 'disabled' };

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new EdgeMeshError(
      'CONFIG',
      `breaker option ${name} must be a number from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One isolate's view of a circuit breaker shared through a BreakerStore. While CLOSED a call
 * costs no store round trip: outcomes are buffered and flushed in batches inside `waitUntil`,
 * and the cached state is refreshed in the background when older than `staleMs`.
 * @example const breaker = createBreaker({ scope: 'inventory', store, waitUntil: runtime.waitUntil });
 */
export function createBreaker({
  scope,
  store,
  now = () => Date.now(),
  waitUntil = (promise) => void promise.catch(() => {}),
  staleMs = 1_000,
  flushDelayMs = 100,
  maxBatch = 100,
  isFailureResult = () => false,
  onTransition,
  log = (line) => console.info(line),
  ...options
}: CreateBreakerOptions): Breaker {
  if (!scope || typeof scope !== 'string')
    throw new EdgeMeshError('CONFIG', 'breaker scope must be a non-empty string');
  checkRange('staleMs', staleMs, 10, 60_000);
  checkRange('flushDelayMs', flushDelayMs, 0, 10_000);
  checkRange('maxBatch', maxBatch, 1, 10_000);
  const machine: BreakerMachine = breakerMachine(options);
  const {
    windowType,
    windowSize,
    permittedCallsInHalfOpen,
    maxWaitInHalfOpenMs,
    slowCallDurationMs,
  } = machine.options;

  let cached: BreakerState = machine.initial(now());
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let buffer: Array<TimedOutcome & { epoch: number }> = [];
  let flushScheduled = false;
  let refreshing: Promise<BreakerState> | undefined;
  const counts: Record<string, number> = {};

  function adopt(next: BreakerState, source: 'local' | 'shared'): void {
    const previous = cached;
    if (next.epoch < previous.epoch) return;
    if (next.epoch === previous.epoch && source === 'shared') return;
    const normalised: BreakerState =
      next.kind === 'CLOSED' && next.window.type !== windowType
        ? { ...next, window: emptyWindow(windowType) }
        : next;
    cached = normalised;
    if (previous.kind !== normalised.kind) {
      const transition: BreakerTransition = {
        scope,
        from: previous.kind,
        to: normalised.kind,
        epoch: normalised.epoch,
        at: now(),
        source,
      };
      const name = `${transition.from}->${transition.to}`;
      counts[name] = (counts[name] ?? 0) + 1;
      log(JSON.stringify({ event: 'breaker.transition', ...transition }));
      onTransition?.(transition);
    }
  }

  function refresh(signal?: AbortSignal): Promise<BreakerState> {
    refreshing ??= (async () => {
      try {
        const shared = await store.load(scope, signal);
        fetchedAt = now();
        if (shared) adopt(shared, 'shared');
        return cached;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  function background(task: () => Promise<unknown>): void {
    waitUntil(
      task().catch((error: unknown) => {
        log(JSON.stringify({ event: 'breaker.store-error', scope, error: String(error) }));
      }),
    );
  }

  /** Publishes a transition; if another isolate got there first, adopts the shared state. */
  async function publish(next: BreakerState, signal?: AbortSignal): Promise<BreakerState> {
    if (await store.transition(scope, next, signal)) {
      adopt(next, 'local');
      return cached;
    }
    return refresh(signal);
  }

  async function flush(signal?: AbortSignal): Promise<void> {
    const batch = buffer;
    buffer = [];
    const epochs = [...new Set(batch.map((entry) => entry.epoch))];
    const windows = new Map<number, Awaited<ReturnType<BreakerStore['record']>>>();
    for (const epoch of epochs) {
      const outcomes = batch.filter((entry) => entry.epoch === epoch);
      windows.set(
        epoch,
        await store.record(
          scope,
          epoch,
          outcomes,
          { type: windowType, size: windowSize },
          now(),
          signal,
        ),
      );
    }
    const state = await refresh(signal);
    const window = windows.get(state.epoch);
    if (state.kind !== 'CLOSED' || !window) return;
    const judged = machine.next(state, { type: 'window', window }, now());
    if (judged.kind === 'CLOSED') cached = judged.epoch === cached.epoch ? judged : cached;
    else await publish(judged, signal);
  }

  function scheduleFlush(): void {
    if (buffer.length >= maxBatch) {
      background(() => flush());
      return;
    }
    if (flushScheduled) return;
    flushScheduled = true;
    background(async () => {
      await sleep(flushDelayMs);
      flushScheduled = false;
      if (buffer.length > 0) await flush();
    });
  }

  async function admit(signal?: AbortSignal): Promise<Admission> {
    const t = now();
    // Refresh ahead, at half the bound, so an isolate with steady traffic never waits for the
    // store; only a cold or idle isolate (state older than staleMs) waits for one load.
    const age = t - fetchedAt;
    if (age >= staleMs) await refresh(signal).catch(() => cached);
    else if (age >= staleMs / 2 && !refreshing) background(() => refresh());
    let state = cached;
    const ticked = machine.next(state, { type: 'tick' }, t);
    // Leaving OPEN or HALF_OPEN needs the store; if it cannot be reached, stay shut.
    if (ticked !== state) {
      try {
        state = await publish(ticked, signal);
      } catch (error) {
        throw new CircuitOpenError(scope, 1_000, { cause: error });
      }
    }
    const permission = machine.permit(state, t);
    if (permission.kind === 'reject') throw new CircuitOpenError(scope, permission.retryAfterMs);
    if (permission.kind === 'allow') {
      return state.kind === 'DISABLED'
        ? { kind: 'disabled' }
        : { kind: 'closed', epoch: state.epoch };
    }
    const granted = await store
      .acquireProbe(scope, state.epoch, permittedCallsInHalfOpen, maxWaitInHalfOpenMs, signal)
      .catch((error: unknown) => {
        throw new CircuitOpenError(scope, 1_000, { cause: error });
      });
    if (state.epoch === cached.epoch) cached = machine.next(cached, { type: 'probe' }, t);
    if (!granted) {
      throw new CircuitOpenError(scope, Math.max(1, state.since + maxWaitInHalfOpenMs - t));
    }
    return { kind: 'probe', epoch: state.epoch };
  }

  function settle(admission: Admission, failed: boolean, durationMs: number): void {
    if (admission.kind === 'disabled') return;
    const code: OutcomeCode = outcomeCode(failed, durationMs, slowCallDurationMs);
    if (admission.kind === 'closed') {
      buffer.push({ code, at: now(), epoch: admission.epoch });
      if (cached.kind === 'CLOSED' && cached.epoch === admission.epoch) {
        // This isolate's own view can trip before the next flush; publish it in the background.
        const judged = machine.next(cached, { type: 'outcome', code }, now());
        if (judged.kind === 'OPEN') {
          adopt(judged, 'local');
          background(async () => {
            await flush();
            await publish(judged);
          });
          return;
        }
        cached = judged;
      }
      scheduleFlush();
      return;
    }
    background(async () => {
      const probes = await store.recordProbe(scope, admission.epoch, code, maxWaitInHalfOpenMs);
      const state = cached.epoch === admission.epoch ? cached : await refresh();
      if (state.kind !== 'HALF_OPEN' || state.epoch !== admission.epoch) return;
      const judged = machine.next(state, { type: 'probes', probes }, now());
      if (judged !== state && judged.epoch !== state.epoch) await publish(judged);
    });
  }

  async function command(
    event: 'force-open' | 'disable' | 'reset',
    signal?: AbortSignal,
  ): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const state = await refresh(signal);
      const next = machine.next(state, { type: event }, now());
      if (await store.transition(scope, next, signal)) {
        adopt(next, 'local');
        return;
      }
    }
    throw new EdgeMeshError(
      'UNAVAILABLE',
      `breaker ${scope}: ${event} lost to concurrent transitions 10 times`,
    );
  }

  return {
    scope,
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      const admission = await admit(signal);
      const started = now();
      try {
        const result = await fn(signal ?? new AbortController().signal);
        settle(admission, isFailureResult(result), now() - started);
        return result;
      } catch (error) {
        // A caller that gave up is not the callee's failure; an inner open circuit is not either.
        if (!signal?.aborted && !isCircuitOpenError(error))
          settle(admission, true, now() - started);
        else if (admission.kind === 'probe') settle(admission, true, now() - started);
        throw error;
      }
    },
    state: () => cached,
    available() {
      const t = now();
      return machine.permit(machine.next(cached, { type: 'tick' }, t), t).kind !== 'reject';
    },
    flush,
    refresh,
    forceOpen: (signal) => command('force-open', signal),
    disable: (signal) => command('disable', signal),
    reset: (signal) => command('reset', signal),
    transitions: () => ({ ...counts }),
  };
}
