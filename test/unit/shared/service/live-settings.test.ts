// Live settings in a function built as in production: a change applies to the next call, with no
// rebuild; what is refused never applies.
import { describe, expect, it } from 'vitest';
import type { InventoryApp } from '../../../../functions/inventory/app.ts';
import inventory from '../../../../functions/inventory/service.ts';
import orders from '../../../../functions/orders/service.ts';
import { settingsKey } from '../../../../shared/config/index.ts';
import { testService } from '../../../../shared/service/index.ts';

const order = (customerId: string) => ({
  customerId,
  items: [{ sku: 'kettle', quantity: 1, unitPrice: 500 }],
});

describe('live settings of a function', () => {
  it('applies a changed rate limit to the next call', async () => {
    const t = testService(orders);
    for (let i = 0; i < 3; i += 1) {
      expect((await t.send('POST', '/orders', order('c-1'))).status).toBe(202);
    }
    await t.setting('rateLimits', { 'orders-per-customer': { limit: 3 } });
    const limited = await t.send('POST', '/orders', order('c-1'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('ratelimit-policy')).toBe('"orders-per-customer";q=3;w=60');
    expect((await t.send('POST', '/orders', order('c-2'))).status).toBe(202);
  });

  it('builds the next call to another service with the timeout and breaker in force', async () => {
    let calls = 0;
    const slowInventory = async (_input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 10_000);
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      return new Response('{}', { status: 500 });
    };
    const t = testService(orders, {
      env: { SERVICE_INVENTORY_URL: 'http://inventory.test' },
      fetch: slowInventory,
    });
    const before = t.deps.client<InventoryApp>('inventory');
    await t.setting('calls', {
      inventory: { attemptTimeoutMs: 20, deadlineMs: 100, retry: { maxAttempts: 1 } },
    });
    await t.setting('breaker', { minimumCalls: 2, windowSize: 2, failureRateThreshold: 50 });
    const after = t.deps.client<InventoryApp>('inventory');
    expect(after).not.toBe(before);
    const started = Date.now();
    const call = () => after.stock[':sku'].$get({ param: { sku: 'kettle' } });
    await expect(call()).rejects.toMatchObject({ code: 'TIMEOUT' });
    // The default attempt timeout is seconds; 20 ms in force ends the call long before.
    expect(Date.now() - started).toBeLessThan(1_500);
    await expect(call()).rejects.toBeDefined();
    await t.settle();
    const attempts = calls;
    await expect(call()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(calls).toBe(attempts);
  });

  it('fails calls to a service fast while its breaker is forced open, and calls it when forced closed', async () => {
    let calls = 0;
    const failingInventory = () => {
      calls += 1;
      return Promise.resolve(new Response('{}', { status: 500 }));
    };
    const t = testService(orders, {
      env: { SERVICE_INVENTORY_URL: 'http://inventory.test' },
      fetch: failingInventory,
    });
    await t.setting('calls', { inventory: { retry: { maxAttempts: 1 } } });
    const call = () =>
      t.deps.client<InventoryApp>('inventory').stock[':sku'].$get({ param: { sku: 'kettle' } });
    await t.setting('breaker', { force: { inventory: 'open' } });
    await expect(call()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(calls).toBe(0);
    await t.setting('breaker', { minimumCalls: 1, windowSize: 1, force: { inventory: 'closed' } });
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(500);
    expect(calls).toBe(3);
  });

  it('shows the revisions in force on /health and /metrics, and never applies a refused one', async () => {
    const t = testService(inventory);
    await t.setting('logLevel', 'warn');
    const health = (await (await t.request('/health')).json()) as {
      settings: { revision: { global: number; service: number } };
    };
    expect(health.settings.revision).toEqual({ global: 0, service: 1 });
    await t.configStore.put(settingsKey('inventory'), '{"settings": {"logLevel": "loud"}}', 1);
    await t.deps.settings.refresh();
    expect(t.deps.settings.current().logLevel).toBe('warn');
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toMatch(/edgemesh_settings_revision\{[^}]*scope="service"[^}]*\} 1/);
    expect(metrics).toMatch(/edgemesh_settings_rejected_total\{[^}]*\} 1/);
  });
});
