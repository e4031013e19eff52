import { describe, expect, it } from 'vitest';
import { breakerMachine } from '../../../../shared/breaker/machine.ts';
import type { BreakerState } from '../../../../shared/breaker/state.ts';
import type { OutcomeCode } from '../../../../shared/breaker/window.ts';
import { hasCode } from '../../../../shared/errors/edgemesh-error.ts';

const t0 = 1_700_000_000_000;

function feed(
  machine: ReturnType<typeof breakerMachine>,
  state: BreakerState,
  codes: string,
  at = t0,
) {
  let s = state;
  for (const code of codes) s = machine.next(s, { type: 'outcome', code: code as OutcomeCode }, at);
  return s;
}

describe('breaker state machine', () => {
  const machine = breakerMachine({
    windowSize: 10,
    minimumCalls: 4,
    failureRateThreshold: 50,
    slowCallRateThreshold: 75,
    waitInOpenMs: 1_000,
    permittedCallsInHalfOpen: 2,
    maxWaitInHalfOpenMs: 5_000,
  });

  it('stays CLOSED below the minimum number of calls even when all fail', () => {
    const s = feed(machine, machine.initial(t0), 'fff');
    expect(s.kind).toBe('CLOSED');
  });

  it('opens when the failure rate reaches the threshold over the minimum calls', () => {
    const s = feed(machine, machine.initial(t0), 'ssff');
    expect(s).toMatchObject({ kind: 'OPEN', epoch: 1, since: t0, until: t0 + 1_000, opens: 1 });
  });

  it('opens when the slow-call rate reaches its threshold though every call succeeded', () => {
    const s = feed(machine, machine.initial(t0), 'sSSS');
    expect(s.kind).toBe('OPEN');
  });

  it('stays CLOSED while failures stay under the threshold', () => {
    const s = feed(machine, machine.initial(t0), 'sssfsssf');
    expect(s.kind).toBe('CLOSED');
  });

  it('forgets calls that slid out of a count window', () => {
    const s = feed(machine, machine.initial(t0), 'f' + 's'.repeat(11));
    expect(s.kind).toBe('CLOSED');
    expect(s.kind === 'CLOSED' && s.window.type === 'count' && s.window.codes).toBe('ssssssssss');
  });

  it('judges a time window only on the calls of its last seconds', () => {
    const timed = breakerMachine({ windowType: 'time', windowSize: 2, minimumCalls: 3 });
    let s = feed(timed, timed.initial(t0), 'ff', t0);
    s = feed(timed, s, 'ss', t0 + 5_000);
    expect(s.kind).toBe('CLOSED');
    s = feed(timed, s, 'ff', t0 + 5_500);
    expect(s.kind).toBe('OPEN');
  });

  it('rejects calls while OPEN with the time left, then goes HALF_OPEN after the wait', () => {
    const open = feed(machine, machine.initial(t0), 'ffff');
    expect(machine.permit(open, t0 + 400)).toEqual({ kind: 'reject', retryAfterMs: 600 });
    expect(machine.next(open, { type: 'tick' }, t0 + 999)).toBe(open);
    const half = machine.next(open, { type: 'tick' }, t0 + 1_000);
    expect(half).toMatchObject({ kind: 'HALF_OPEN', epoch: 2, granted: 0, probes: '' });
  });

  it('grants exactly the permitted number of probes in HALF_OPEN', () => {
    let s = machine.next(feed(machine, machine.initial(t0), 'ffff'), { type: 'tick' }, t0 + 1_000);
    expect(machine.permit(s, t0 + 1_000).kind).toBe('probe');
    s = machine.next(s, { type: 'probe' }, t0 + 1_000);
    s = machine.next(s, { type: 'probe' }, t0 + 1_000);
    expect(machine.permit(s, t0 + 1_000).kind).toBe('reject');
    expect(machine.next(s, { type: 'probe' }, t0 + 1_000)).toBe(s);
  });

  it('closes with an empty window when the probes succeed', () => {
    let s = machine.next(feed(machine, machine.initial(t0), 'ffff'), { type: 'tick' }, t0 + 1_000);
    s = feed(machine, s, 's', t0 + 1_100);
    expect(s.kind).toBe('HALF_OPEN');
    s = feed(machine, s, 's', t0 + 1_200);
    expect(s).toMatchObject({
      kind: 'CLOSED',
      epoch: 3,
      opens: 0,
      window: { type: 'count', codes: '' },
    });
  });

  it('re-opens when the probes fail, with a wait that grows when configured', () => {
    const growing = breakerMachine({
      minimumCalls: 1,
      waitInOpenMs: 1_000,
      openBackoffMultiplier: 2,
      maxWaitInOpenMs: 3_000,
    });
    let s = feed(growing, growing.initial(t0), 'f');
    expect(s).toMatchObject({ kind: 'OPEN', until: t0 + 1_000 });
    s = growing.next(s, { type: 'tick' }, t0 + 1_000);
    s = feed(growing, s, 'f', t0 + 1_000);
    expect(s).toMatchObject({ kind: 'OPEN', opens: 2, until: t0 + 3_000 });
    s = growing.next(s, { type: 'tick' }, t0 + 3_000);
    s = feed(growing, s, 'f', t0 + 3_000);
    expect(s).toMatchObject({ kind: 'OPEN', opens: 3, until: t0 + 6_000 });
  });

  it('re-opens when HALF_OPEN waits longer than its maximum for a verdict', () => {
    let s = machine.next(feed(machine, machine.initial(t0), 'ffff'), { type: 'tick' }, t0 + 1_000);
    s = machine.next(s, { type: 'probe' }, t0 + 1_000);
    expect(machine.next(s, { type: 'tick' }, t0 + 5_999).kind).toBe('HALF_OPEN');
    expect(machine.next(s, { type: 'tick' }, t0 + 6_000)).toMatchObject({ kind: 'OPEN', epoch: 3 });
  });

  it('judges shared probe outcomes gathered from every isolate', () => {
    const s = machine.next(
      feed(machine, machine.initial(t0), 'ffff'),
      { type: 'tick' },
      t0 + 1_000,
    );
    expect(machine.next(s, { type: 'probes', probes: 's' }, t0).kind).toBe('HALF_OPEN');
    expect(machine.next(s, { type: 'probes', probes: 'sf' }, t0).kind).toBe('OPEN');
    expect(machine.next(s, { type: 'probes', probes: 'ss' }, t0).kind).toBe('CLOSED');
  });

  it('opens on a shared window that crosses the threshold', () => {
    const s = machine.next(
      machine.initial(t0),
      { type: 'window', window: { type: 'count', codes: 'sfsff' } },
      t0,
    );
    expect(s.kind).toBe('OPEN');
  });

  it('is forced open and disabled by admin commands, ignoring outcomes until reset', () => {
    const forced = machine.next(machine.initial(t0), { type: 'force-open' }, t0);
    expect(forced).toMatchObject({ kind: 'FORCED_OPEN', epoch: 1 });
    expect(machine.permit(forced, t0).kind).toBe('reject');
    expect(feed(machine, forced, 'ssss')).toBe(forced);
    const disabled = machine.next(forced, { type: 'disable' }, t0);
    expect(machine.permit(feed(machine, disabled, 'ffffffff'), t0).kind).toBe('allow');
    expect(machine.next(disabled, { type: 'reset' }, t0)).toMatchObject({
      kind: 'CLOSED',
      epoch: 3,
    });
  });

  it('ignores late outcomes while OPEN', () => {
    const open = feed(machine, machine.initial(t0), 'ffff');
    expect(feed(machine, open, 'ssss')).toBe(open);
  });

  it('keeps every state JSON-serialisable', () => {
    let s = feed(machine, machine.initial(t0), 'ffff');
    s = machine.next(s, { type: 'tick' }, t0 + 1_000);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('rejects out-of-range options at construction, naming the option', () => {
    expect(() => breakerMachine({ failureRateThreshold: 0 })).toThrow(/failureRateThreshold/);
    expect(() => breakerMachine({ windowSize: 0 })).toThrow(/windowSize/);
    expect(() => breakerMachine({ permittedCallsInHalfOpen: 1.5 + 200 })).toThrow(
      /permittedCallsInHalfOpen/,
    );
    try {
      breakerMachine({ slowCallDurationMs: -1 });
    } catch (error) {
      expect(hasCode(error, 'CONFIG')).toBe(true);
    }
  });
});
