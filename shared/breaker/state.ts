import type { OutcomeCode, WindowState } from './window.ts';

/** The five states of a breaker. */
export type BreakerKind = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'FORCED_OPEN' | 'DISABLED';

interface Base {
  /** Increments on every transition; the shared store only accepts `epoch + 1` over `epoch`. */
  readonly epoch: number;
  /** When this state began, ms since the epoch. */
  readonly since: number;
  /** Consecutive opens without a successful close; grows the wait in OPEN. */
  readonly opens: number;
}

/** Calls flow; outcomes fill the window. */
export interface ClosedState extends Base {
  readonly kind: 'CLOSED';
  readonly window: WindowState;
}

/** Calls fail fast until `until` (ms since the epoch). */
export interface OpenState extends Base {
  readonly kind: 'OPEN';
  readonly until: number;
}

/** A budget of probe calls decides between CLOSED and OPEN. */
export interface HalfOpenState extends Base {
  readonly kind: 'HALF_OPEN';
  /** Probes handed out so far. */
  readonly granted: number;
  /** Outcomes of finished probes, one code each. */
  readonly probes: string;
}

/** Set by an admin: every call fails fast, nothing is recorded. */
export interface ForcedOpenState extends Base {
  readonly kind: 'FORCED_OPEN';
}

/** Set by an admin: every call flows, nothing is recorded. */
export interface DisabledState extends Base {
  readonly kind: 'DISABLED';
}

/** A breaker's whole state as plain, JSON-serialisable data. */
export type BreakerState =
  ClosedState | OpenState | HalfOpenState | ForcedOpenState | DisabledState;

/** What can happen to a breaker. */
export type BreakerEvent =
  /** A call finished (success or failure, fast or slow). */
  | { readonly type: 'outcome'; readonly code: OutcomeCode }
  /** The shared window, as every isolate filled it, replaces the local one (CLOSED only). */
  | { readonly type: 'window'; readonly window: WindowState }
  /** The shared probe outcomes replace the local ones (HALF_OPEN only). */
  | { readonly type: 'probes'; readonly probes: string }
  /** A probe permit was handed out (HALF_OPEN only). */
  | { readonly type: 'probe' }
  /** Time passed: OPEN may become HALF_OPEN, HALF_OPEN may give up and re-open. */
  | { readonly type: 'tick' }
  /** Admin commands. */
  | { readonly type: 'force-open' }
  | { readonly type: 'disable' }
  | { readonly type: 'reset' };

/** Whether a call may go ahead now. */
export type Permission =
  | { readonly kind: 'allow' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'reject'; readonly retryAfterMs: number };
