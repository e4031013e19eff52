import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBreaker, type CreateBreakerOptions } from '../../../../shared/breaker/breaker.ts';
import { createBreakerSet } from '../../../../shared/breaker/breakers.ts';
import { isCircuitOpenError } from '../../../../shared/breaker/circuit-open-error.ts';
import { memoryBreakerStore } from '../../../../shared/breaker/memory-store.ts';
import type { BreakerStore } from '../../../../shared/breaker/store.ts';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';

/** A store that counts every call, to prove what the hot path does not do. */
function countingStore(inner: BreakerStore) {
  const calls: string[] = [];
  const store = Object.fromEntries(
    Object.entries(inner).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as BreakerStore;
  return { store, calls };
}

describe('breaker shared by isolates', () => {
  let pending: Promise<unknown>[];
  let shared: BreakerStore;
  const options = {
    minimumCalls: 4,
    windowSize: 10,
    waitInOpenMs: 5_000,
    permittedCallsInHalfOpen: 2,
    maxWaitInHalfOpenMs: 3_000,
    log: () => {},
  } satisfies Partial<CreateBreakerOptions>;

  const isolate = (extra: Partial<CreateBreakerOptions> = {}) =>
    createBreaker({
      scope: 'inventory',
      store: shared,
      waitUntil: (p) => void pending.push(p),
      ...options,
      ...extra,
    });
  const ok = () => Promise.resolve('ok');
  const boom = () => Promise.reject(new Error('boom'));
  /** Lets `ms` pass, then runs every background flush to its end. */
  const settle = async (ms = 200) => {
    await vi.advanceTimersByTimeAsync(ms);
    for (let round = 0; round < 20 && pending.length > 0; round += 1) {
      let done = false;
      const batch = Promise.all(pending.splice(0)).then(() => (done = true));
      while (!done) await vi.advanceTimersByTimeAsync(50);
      await batch;
    }
  };
  const failTimes = async (breaker: ReturnType<typeof isolate>, n: number) => {
    for (let i = 0; i < n; i += 1) await breaker.execute(boom).catch(() => {});
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    pending = [];
    shared = memoryBreakerStore();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes no store call while a CLOSED call runs and flushes outcomes later in one batch', async () => {
    const { store, calls } = countingStore(shared);
    const breaker = isolate({ store });
    await breaker.refresh();
    calls.length = 0;
    for (let i = 0; i < 3; i += 1) await breaker.execute(ok);
    expect(calls).toEqual([]);
    await settle();
    expect(calls.filter((c) => c === 'record')).toHaveLength(1);
  });

  it('opens for every isolate within the staleness bound once failures cross the threshold in one', async () => {
    const [a, b] = [isolate(), isolate()];
    await b.execute(ok);
    await settle();
    await failTimes(a, 4);
    expect(a.state().kind).toBe('OPEN');
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(b.execute(ok)).rejects.toSatisfy(isCircuitOpenError);
  });

  it('learns of an OPEN from a background refresh while its traffic is steady', async () => {
    const [a, b] = [isolate(), isolate()];
    await b.execute(ok);
    await settle();
    await failTimes(a, 4);
    await settle(0);
    expect(b.state().kind).toBe('CLOSED');
    await vi.advanceTimersByTimeAsync(350);
    await expect(b.execute(ok)).resolves.toBe('ok'); // older than half the bound: refreshes ahead
    await settle(0);
    expect(b.state().kind).toBe('OPEN');
  });

  it('counts failures from several isolates together', async () => {
    const [a, b] = [isolate(), isolate()];
    await failTimes(a, 2);
    await a.execute(ok);
    await failTimes(b, 1);
    await settle();
    expect(a.state().kind).toBe('CLOSED');
    await failTimes(b, 1);
    await settle();
    expect((await a.refresh()).kind).toBe('OPEN');
  });

  it('fails fast with CircuitOpenError rendered as 503 problem+json with Retry-After', async () => {
    const breaker = isolate();
    await failTimes(breaker, 4);
    const app = new Hono().get('/', async (c) => c.text(await breaker.execute(ok)));
    app.onError(problemErrorHandler({ onServerError: () => {} }));
    const response = await app.request('/');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ code: 'CIRCUIT_OPEN', scope: 'inventory' });
  });

  it('lets no more probes through than the budget across every isolate in HALF_OPEN', async () => {
    const isolates = Array.from({ length: 6 }, () => isolate());
    await failTimes(isolates[0]!, 4);
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    let probes = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      probes += 1;
      await gate;
      return 'ok';
    };
    const results = Promise.allSettled(isolates.flatMap((b) => [b.execute(slow), b.execute(slow)]));
    await vi.advanceTimersByTimeAsync(0);
    release();
    const settled = await results;
    expect(probes).toBe(2);
    expect(
      settled.filter((r) => r.status === 'rejected' && isCircuitOpenError(r.reason)),
    ).toHaveLength(10);
  });

  it('closes for every isolate when the probes succeed', async () => {
    const [a, b] = [isolate(), isolate()];
    await failTimes(a, 4);
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    await a.execute(ok);
    await b.execute(ok);
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect([a.state().kind, b.state().kind]).toEqual(['CLOSED', 'CLOSED']);
  });

  it('re-opens when a probe fails', async () => {
    const breaker = isolate({ permittedCallsInHalfOpen: 1 });
    await failTimes(breaker, 4);
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    await failTimes(breaker, 1);
    await settle();
    expect(breaker.state()).toMatchObject({ kind: 'OPEN', opens: 2 });
  });

  it('re-opens when a probe never answers, so a stuck probe cannot pin HALF_OPEN', async () => {
    const [a, b] = [isolate(), isolate()];
    await failTimes(a, 4);
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    void a.execute(() => new Promise(() => {}));
    void a.execute(() => new Promise(() => {}));
    await settle(0);
    await expect(b.execute(ok)).rejects.toSatisfy(isCircuitOpenError);
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(b.execute(ok)).rejects.toSatisfy(isCircuitOpenError);
    expect(b.state().kind).toBe('OPEN');
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(b.execute(ok)).resolves.toBe('ok');
  });

  it('obeys admin force-open and disable from any isolate until reset', async () => {
    const [admin, worker] = [isolate(), isolate()];
    await admin.forceOpen();
    await vi.advanceTimersByTimeAsync(1_000);
    await worker.execute(ok).catch(() => {});
    await settle(0);
    await expect(worker.execute(ok)).rejects.toSatisfy(isCircuitOpenError);
    await admin.disable();
    await worker.refresh();
    await failTimes(worker, 20);
    await settle();
    expect(worker.state().kind).toBe('DISABLED');
    await admin.reset();
    expect((await worker.refresh()).kind).toBe('CLOSED');
  });

  it('counts and reports transitions', async () => {
    const seen: string[] = [];
    const breaker = isolate({ onTransition: (t) => seen.push(`${t.from}->${t.to}:${t.source}`) });
    await failTimes(breaker, 4);
    await settle();
    expect(seen).toEqual(['CLOSED->OPEN:local']);
    expect(breaker.transitions()).toEqual({ 'CLOSED->OPEN': 1 });
  });

  it('keeps calls flowing while the store is unreachable', async () => {
    const failing = {
      ...shared,
      load: () => Promise.reject(new Error('redis down')),
      record: () => Promise.reject(new Error('redis down')),
    };
    const lines: string[] = [];
    const breaker = isolate({ store: failing, log: (line) => lines.push(line) });
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await settle();
    expect(lines.some((line) => line.includes('breaker.store-error'))).toBe(true);
  });

  it('keeps one breaker per endpoint when scoped per endpoint', () => {
    const set = createBreakerSet({ store: shared, log: () => {} });
    expect(set.get('inventory', 'https://a')).not.toBe(set.get('inventory', 'https://b'));
    expect(set.get('inventory')).toBe(set.get('inventory'));
  });

  it('rejects out-of-range options at construction', () => {
    expect(() => isolate({ staleMs: 0 })).toThrow(/staleMs/);
    expect(() => createBreakerSet({ store: shared, minimumCalls: 0 })).toThrow(/minimumCalls/);
  });
});
