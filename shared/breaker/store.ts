import type { BreakerState } from './state.ts';
import type { OutcomeCode, TimedOutcome, WindowState } from './window.ts';

/** How a shared window is kept: its kind and size (calls, or seconds). */
export interface WindowSpec {
  readonly type: 'count' | 'time';
  readonly size: number;
}

/**
 * Where every isolate's breakers meet. States are versioned by `epoch`: a transition from
 * epoch e to e + 1 is accepted once, so two isolates never both make the same transition.
 */
export interface BreakerStore {
  /** The shared state of `scope`, or undefined when none was ever written (CLOSED, epoch 0). */
  load(scope: string, signal?: AbortSignal): Promise<BreakerState | undefined>;
  /** Writes `next` if no state with `next.epoch` exists yet; true when this call won. */
  transition(scope: string, next: BreakerState, signal?: AbortSignal): Promise<boolean>;
  /** Adds outcomes to the shared window of CLOSED `epoch`; returns the window after adding. */
  record(
    scope: string,
    epoch: number,
    outcomes: readonly TimedOutcome[],
    spec: WindowSpec,
    now: number,
    signal?: AbortSignal,
  ): Promise<WindowState>;
  /** Takes one of `budget` probe permits of HALF_OPEN `epoch`; true when granted. Held for `leaseMs` at least. */
  acquireProbe(
    scope: string,
    epoch: number,
    budget: number,
    leaseMs: number,
    signal?: AbortSignal,
  ): Promise<boolean>;
  /** Adds a probe's outcome to HALF_OPEN `epoch`; returns every probe outcome recorded so far, in order. */
  recordProbe(
    scope: string,
    epoch: number,
    code: OutcomeCode,
    leaseMs: number,
    signal?: AbortSignal,
  ): Promise<string>;
}
