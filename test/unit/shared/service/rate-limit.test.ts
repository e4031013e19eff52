import { describe, expect, it } from 'vitest';
import orders from '../../../../functions/orders/service.ts';
import { redisReplayGuard } from '../../../../shared/http/index.ts';
import { testService } from '../../../../shared/service/index.ts';

const order = (customerId: string) => ({
  customerId,
  items: [{ sku: 'kettle', quantity: 1, unitPrice: 500 }],
});

describe('rate limits', () => {
  it('stops one customer at the limit with 429, Retry-After and RateLimit headers', async () => {
    const t = testService(orders, { rateLimits: { 'orders-per-customer': { limit: 2 } } });
    expect((await t.send('POST', '/orders', order('c-1'))).status).toBe(202);
    const second = await t.send('POST', '/orders', order('c-1'));
    expect(second.headers.get('ratelimit')).toMatch(/^"orders-per-customer";r=0;t=\d+$/);
    const third = await t.send('POST', '/orders', order('c-1'));
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'orders-per-customer',
    });
    expect(await t.events.readAll()).toHaveLength(2);
  });

  it('counts a client address across customers', async () => {
    const t = testService(orders, { rateLimits: { 'orders-per-address': { limit: 1 } } });
    const from = { 'x-forwarded-for': '203.0.113.7' };
    expect((await t.send('POST', '/orders', order('c-1'), from)).status).toBe(202);
    expect((await t.send('POST', '/orders', order('c-2'), from)).status).toBe(429);
    expect(
      (await t.send('POST', '/orders', order('c-3'), { 'x-forwarded-for': '203.0.113.8' })).status,
    ).toBe(202);
  });

  it('lets calls through when the limiter cannot answer (fails open), and counts it', async () => {
    const t = testService(orders, {
      limiters: () => ({ limit: () => Promise.reject(new Error('redis unreachable')) }),
    });
    expect((await t.send('POST', '/orders', order('c-1'))).status).toBe(202);
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toMatch(
      /edgemesh_rate_limit_errors_total\{[^}]*limit="orders-per-customer"[^}]*\} 1/,
    );
  });
});

describe('the replay guard over Redis', () => {
  it('refuses a second claim, and lets claims through when Redis cannot be reached', async () => {
    const seen = new Set<string>();
    const redis = {
      set: (key: string) => Promise.resolve(seen.has(key) ? null : (seen.add(key), 'OK')),
    };
    const guard = redisReplayGuard(redis);
    expect(await guard.claim('n-1', 1000)).toBe(true);
    expect(await guard.claim('n-1', 1000)).toBe(false);
    const failures: unknown[] = [];
    const down = redisReplayGuard(
      { set: () => Promise.reject(new Error('unreachable')) },
      { onUnavailable: (error) => failures.push(error) },
    );
    expect(await down.claim('n-2', 1000)).toBe(true);
    expect(failures).toHaveLength(1);
  });
});
