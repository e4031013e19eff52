import type { BreakerOptions } from './options.ts';
import type { BreakerKind, BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';

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
  /**
   * An operator's override, set through live settings (`breaker.force.<service>`): `open` fails
   * every call fast, `closed` lets every call through; neither touches the shared state.
   * Default none: the shared state decides.
   */
  force?: 'open' | 'closed' | undefined;
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
