// An experiment made of fault rules passes only when its faults happened: the count comes from
// every function's /metrics, and a count that rose by nothing (or could not be read) fails it.
import { describe, expect, it } from 'vitest';
import { injectedIn, requireInjected } from '../../../../devstack/chaos/experiment.ts';
import { experiments } from '../../../../devstack/chaos/experiments/index.ts';
import type { ExperimentRow } from '../../../../devstack/chaos/verify.ts';

const passed: ExperimentRow = {
  name: 'payments-5xx',
  placed: 60,
  terminal: 60,
  stockDrift: 0,
  doubleCaptures: 0,
  lostNotifications: 0,
  duplicatedNotifications: 0,
  p50Ms: 1_000,
  p99Ms: 2_000,
  recoverMs: 0,
  injected: 0,
  verdict: 'pass',
};
const byName = (name: string) => experiments.find((e) => e.name === name)!;

describe('faults injected by an experiment', () => {
  it('sums chaos_injected_total over every series of an exposition', () => {
    const exposition = [
      '# TYPE chaos_injected_total counter',
      'chaos_injected_total{service="payments",rule="exp-payments-5xx",kind="error"} 17',
      'chaos_injected_total{service="payments",rule="other",kind="latency"} 3',
      'edgemesh_requests_total{service="payments"} 120',
    ].join('\n');
    expect(injectedIn(exposition)).toBe(20);
  });

  it('fails a rule experiment whose rules injected nothing, or whose count is unknown', () => {
    expect(requireInjected(passed, byName('payments-5xx'))).toMatchObject({
      verdict: 'FAIL',
      note: 'its rules injected no fault',
    });
    expect(requireInjected({ ...passed, injected: NaN }, byName('payments-5xx'))).toMatchObject({
      verdict: 'FAIL',
      note: 'could not read chaos_injected_total',
    });
    expect(requireInjected({ ...passed, injected: 9 }, byName('payments-5xx')).verdict).toBe(
      'pass',
    );
  });

  it('does not ask a restart for injected rules', () => {
    expect(requireInjected(passed, byName('postgres-restart')).verdict).toBe('pass');
  });
});
