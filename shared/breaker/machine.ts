import {
  resolveBreakerOptions,
  type BreakerOptions,
  type ResolvedBreakerOptions,
} from './options.ts';
import type {
  BreakerEvent,
  BreakerState,
  ClosedState,
  HalfOpenState,
  OpenState,
  Permission,
} from './state.ts';
import {
  emptyWindow,
  pruneWindow,
  recordOutcomes,
  summarize,
  type WindowSummary,
} from './window.ts';

/** The pure breaker: data in, data out; time enters as `now` (ms since the epoch). */
export interface BreakerMachine {
  readonly options: ResolvedBreakerOptions;
  /** A fresh CLOSED state at epoch 0. */
  initial(now: number): BreakerState;
  /** The state after `event` at `now`; the same object when nothing changed. */
  next(state: BreakerState, event: BreakerEvent, now: number): BreakerState;
  /** Whether a call may go ahead in `state` at `now` (call `next(state, tick)` first). */
  permit(state: BreakerState, now: number): Permission;
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : (part / whole) * 100;
}

function tripped(
  options: ResolvedBreakerOptions,
  { calls, failures, slowCalls }: WindowSummary,
  minimum: number,
): boolean {
  return (
    calls >= minimum &&
    (rate(failures, calls) >= options.failureRateThreshold ||
      rate(slowCalls, calls) >= options.slowCallRateThreshold)
  );
}

function open(options: ResolvedBreakerOptions, state: BreakerState, now: number): BreakerState {
  const opens = state.opens + 1;
  const wait = Math.min(
    options.maxWaitInOpenMs,
    options.waitInOpenMs * options.openBackoffMultiplier ** (opens - 1),
  );
  return { kind: 'OPEN', epoch: state.epoch + 1, since: now, opens, until: now + wait };
}

function closed(options: ResolvedBreakerOptions, state: BreakerState, now: number): ClosedState {
  return {
    kind: 'CLOSED',
    epoch: state.epoch + 1,
    since: now,
    opens: 0,
    window: emptyWindow(options.windowType),
  };
}

function judgeProbes(
  options: ResolvedBreakerOptions,
  state: HalfOpenState,
  now: number,
): BreakerState {
  const probes = state.probes;
  if (probes.length < options.permittedCallsInHalfOpen) return state;
  const summary = summarize({ type: 'count', codes: probes });
  return tripped(options, summary, 1) ? open(options, state, now) : closed(options, state, now);
}

function nextClosed(
  options: ResolvedBreakerOptions,
  state: ClosedState,
  event: BreakerEvent,
  now: number,
): BreakerState {
  if (event.type !== 'outcome' && event.type !== 'window') return state;
  const window =
    event.type === 'window'
      ? pruneWindow(event.window, options.windowSize, now)
      : recordOutcomes(state.window, [{ code: event.code, at: now }], options.windowSize, now);
  if (tripped(options, summarize(window), options.minimumCalls)) return open(options, state, now);
  return { ...state, window };
}

function nextOpen(state: OpenState, event: BreakerEvent, now: number): BreakerState {
  if (event.type === 'tick' && now >= state.until) {
    return {
      kind: 'HALF_OPEN',
      epoch: state.epoch + 1,
      since: now,
      opens: state.opens,
      granted: 0,
      probes: '',
    };
  }
  return state;
}

function nextHalfOpen(
  options: ResolvedBreakerOptions,
  state: HalfOpenState,
  event: BreakerEvent,
  now: number,
): BreakerState {
  if (event.type === 'tick') {
    return now >= state.since + options.maxWaitInHalfOpenMs ? open(options, state, now) : state;
  }
  if (event.type === 'probe') {
    return state.granted >= options.permittedCallsInHalfOpen
      ? state
      : { ...state, granted: state.granted + 1 };
  }
  if (event.type === 'outcome') {
    const probes = (state.probes + event.code).slice(0, options.permittedCallsInHalfOpen);
    return judgeProbes(options, { ...state, probes }, now);
  }
  if (event.type === 'probes') {
    return judgeProbes(
      options,
      { ...state, probes: event.probes.slice(0, options.permittedCallsInHalfOpen) },
      now,
    );
  }
  return state;
}

function next(
  options: ResolvedBreakerOptions,
  state: BreakerState,
  event: BreakerEvent,
  now: number,
): BreakerState {
  switch (event.type) {
    case 'force-open':
      return { kind: 'FORCED_OPEN', epoch: state.epoch + 1, since: now, opens: state.opens };
    case 'disable':
      return { kind: 'DISABLED', epoch: state.epoch + 1, since: now, opens: 0 };
    case 'reset':
      return closed(options, state, now);
    default:
      break;
  }
  switch (state.kind) {
    case 'CLOSED':
      return nextClosed(options, state, event, now);
    case 'OPEN':
      return nextOpen(state, event, now);
    case 'HALF_OPEN':
      return nextHalfOpen(options, state, event, now);
    case 'FORCED_OPEN':
    case 'DISABLED':
      return state;
  }
}

function permit(options: ResolvedBreakerOptions, state: BreakerState, now: number): Permission {
  switch (state.kind) {
    case 'CLOSED':
    case 'DISABLED':
      return { kind: 'allow' };
    case 'OPEN':
      return { kind: 'reject', retryAfterMs: Math.max(1, state.until - now) };
    case 'HALF_OPEN':
      return state.granted < options.permittedCallsInHalfOpen
        ? { kind: 'probe' }
        : {
            kind: 'reject',
            retryAfterMs: Math.max(1, state.since + options.maxWaitInHalfOpenMs - now),
          };
    case 'FORCED_OPEN':
      return { kind: 'reject', retryAfterMs: options.waitInOpenMs };
  }
}

/**
 * Builds the state machine for one set of options; throws CONFIG for out-of-range options.
 * @example const m = breakerMachine({ minimumCalls: 10 }); let s = m.initial(now); s = m.next(s, { type: 'outcome', code: 'f' }, now);
 */
export function breakerMachine(input: BreakerOptions = {}): BreakerMachine {
  const options = resolveBreakerOptions(input);
  return {
    options,
    initial: (now) => ({
      kind: 'CLOSED',
      epoch: 0,
      since: now,
      opens: 0,
      window: emptyWindow(options.windowType),
    }),
    next: (state, event, now) => next(options, state, event, now),
    permit: (state, now) => permit(options, state, now),
  };
}
