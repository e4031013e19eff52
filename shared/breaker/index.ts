export {
  createBreaker,
  type Breaker,
  type BreakerTransition,
  type CreateBreakerOptions,
} from './breaker.ts';
export {
  breakerScope,
  createBreakerSet,
  type BreakerSet,
  type BreakerSetOptions,
} from './breakers.ts';
export { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.ts';
export { breakerMachine, type BreakerMachine } from './machine.ts';
export {
  resolveBreakerOptions,
  type BreakerOptions,
  type ResolvedBreakerOptions,
} from './options.ts';
export type { BreakerEvent, BreakerKind, BreakerState, Permission } from './state.ts';
export type { BreakerStore, WindowSpec } from './store.ts';
export { memoryBreakerStore } from './memory-store.ts';
export type { OutcomeCode, TimedOutcome, WindowState, WindowSummary } from './window.ts';
