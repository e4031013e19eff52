import type { BreakerCore } from './breaker-core.ts';
import { CircuitOpenError } from './circuit-open-error.ts';

/** How a call was let through: in CLOSED at an epoch, as a HALF_OPEN probe, or past a disabled breaker. */
export type Admission =
  { kind: 'closed'; epoch: number } | { kind: 'probe'; epoch: number } | { kind: 'disabled' };

/**
 * Decides whether a call may go ahead now, refreshing the cached state when older than
 * `staleMs` (ms) and publishing a timed transition; throws CircuitOpenError when it may not.
 */
export async function admitCall(
  core: BreakerCore,
  staleMs: number,
  signal?: AbortSignal,
): Promise<Admission> {
  const { scope, store, machine, now } = core;
  const { permittedCallsInHalfOpen, maxWaitInHalfOpenMs } = machine.options;
  const t = now();
  // Refresh ahead, at half the bound, so an isolate with steady traffic never waits for the
  // store; only a cold or idle isolate (state older than staleMs) waits for one load.
  const age = t - core.fetchedAt;
  if (age >= staleMs) await core.refresh(signal).catch(() => core.cached);
  else if (age >= staleMs / 2 && !core.refreshing) core.background(() => core.refresh());
  let state = core.cached;
  const ticked = machine.next(state, { type: 'tick' }, t);
  // Leaving OPEN or HALF_OPEN needs the store; if it cannot be reached, stay shut.
  if (ticked !== state) {
    try {
      state = await core.publish(ticked, signal);
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
  if (state.epoch === core.cached.epoch) {
    core.cached = machine.next(core.cached, { type: 'probe' }, t);
  }
  if (!granted) {
    throw new CircuitOpenError(scope, Math.max(1, state.since + maxWaitInHalfOpenMs - t));
  }
  return { kind: 'probe', epoch: state.epoch };
}
