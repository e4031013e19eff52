// Retry budget and deadline propagation through fixture workers in separate workerd processes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startCallee, startFixtureWorker, type Callee } from '../../fixtures/resilience/start.ts';

const vars = inject('devstackVars');

describe('retries against a callee that always fails', () => {
  let flaky: Callee;
  let worker: RunningFunction;

  beforeAll(async () => {
    flaky = await startCallee();
    flaky.mode = 'unavailable';
    worker = await startFixtureWorker({ ...vars, SERVICE_FLAKY_URL: flaky.url });
  });
  afterAll(async () => {
    await worker?.stop();
    await flaky?.stop();
  });

  it('keeps retries within the budget (20 % of calls plus 3), returning the callee’s 503', async () => {
    const calls = 60;
    for (let i = 0; i < calls; i += 1) {
      const response = await fetch(`${worker.url}/flaky`);
      expect(await response.json()).toEqual({ status: 503 });
    }
    expect(flaky.hits).toBeGreaterThan(calls);
    expect(flaky.hits - calls).toBeLessThanOrEqual(0.2 * calls + 3);
  });
});

describe('a deadline travelling across three hops', () => {
  let hops: RunningFunction[] = [];

  beforeAll(async () => {
    const third = await startFixtureWorker({ ...vars });
    const second = await startFixtureWorker({ ...vars, SERVICE_NEXT_URL: third.url });
    const first = await startFixtureWorker({ ...vars, SERVICE_NEXT_URL: second.url });
    hops = [first, second, third];
  });
  afterAll(async () => {
    await Promise.all(hops.map((hop) => hop.stop()));
  });

  it('reaches every hop, each seeing no more time than the one before', async () => {
    const response = await fetch(`${hops[0]!.url}/hop`, {
      headers: { 'x-edgemesh-deadline-ms': '5000' },
    });
    expect(response.status).toBe(200);
    const { chain } = (await response.json()) as { chain: Array<{ deadlineMs: number }> };
    const seen = chain.map((hop) => hop.deadlineMs);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBe(5_000);
    expect(seen[1]).toBeLessThanOrEqual(seen[0]!);
    expect(seen[2]).toBeLessThanOrEqual(seen[1]!);
    expect(seen[2]).toBeGreaterThan(0);
  });

  it('answers 504 problem+json when the last hop cannot finish before the first caller’s deadline', async () => {
    const response = await fetch(`${hops[0]!.url}/hop?work=3000`, {
      headers: { 'x-edgemesh-deadline-ms': '400' },
    });
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'TIMEOUT' });
  });

  it('rejects work whose deadline is already spent without calling the next hop', async () => {
    const response = await fetch(`${hops[0]!.url}/hop`, {
      headers: { 'x-edgemesh-deadline-ms': '0' },
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'TIMEOUT' });
  });
});
