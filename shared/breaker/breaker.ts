import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { admitCall } from './admission.ts';
import { createBreakerCore, type BreakerCore } from './breaker-core.ts';
import type { Breaker, CreateBreakerOptions } from './breaker-types.ts';
import { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.ts';
import { breakerMachine } from './machine.ts';
import { createOutcomeRecorder } from './outcome-recorder.ts';

export type { Breaker, BreakerTransition, CreateBreakerOptions } from './breaker-types.ts';

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new EdgeMeshError(
      'CONFIG',
      `breaker option ${name} must be a number from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

async function adminCommand(
  core: BreakerCore,
  event: 'force-open' | 'disable' | 'reset',
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const state = await core.refresh(signal);
    const next = core.machine.next(state, { type: event }, core.now());
    if (await core.store.transition(core.scope, next, signal)) {
      core.adopt(next, 'local');
      return;
    }
  }
  throw new EdgeMeshError(
    'UNAVAILABLE',
    `breaker ${core.scope}: ${event} lost to concurrent transitions 10 times`,
  );
}

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
  force,
  ...options
}: CreateBreakerOptions): Breaker {
  if (!scope || typeof scope !== 'string')
    throw new EdgeMeshError('CONFIG', 'breaker scope must be a non-empty string');
  checkRange('staleMs', staleMs, 10, 60_000);
  checkRange('flushDelayMs', flushDelayMs, 0, 10_000);
  checkRange('maxBatch', maxBatch, 1, 10_000);
  const machine = breakerMachine(options);
  const core = createBreakerCore({ scope, store, machine, now, waitUntil, log, onTransition });
  const { flush, settle } = createOutcomeRecorder(core, { flushDelayMs, maxBatch });

  return {
    scope,
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      if (force === 'open') throw new CircuitOpenError(scope, machine.options.waitInOpenMs);
      if (force === 'closed') return fn(signal ?? new AbortController().signal);
      const admission = await admitCall(core, staleMs, signal);
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
    state: () => core.cached,
    available() {
      if (force) return force === 'closed';
      const t = now();
      return machine.permit(machine.next(core.cached, { type: 'tick' }, t), t).kind !== 'reject';
    },
    flush,
    refresh: (signal) => core.refresh(signal),
    forceOpen: (signal) => adminCommand(core, 'force-open', signal),
    disable: (signal) => adminCommand(core, 'disable', signal),
    reset: (signal) => adminCommand(core, 'reset', signal),
    transitions: () => ({ ...core.counts }),
  };
}
