import { describe, expect, it } from 'vitest';
import { bindingRegistry } from '../../../../shared/discovery/bindings.ts';
import { cachedRegistry } from '../../../../shared/discovery/cache.ts';
import { fallbackRegistry } from '../../../../shared/discovery/fallback.ts';
import { memoryRegistry } from '../../../../shared/discovery/memory.ts';
import type { Registry } from '../../../../shared/discovery/registry.ts';
import { staticRegistry } from '../../../../shared/discovery/static.ts';
import { leaseRegistryContract } from './registry-contract.ts';

leaseRegistryContract('memory', () => {
  let now = 1_700_000_000_000;
  return { registry: memoryRegistry({ now: () => now }), advance: (ms) => void (now += ms) };
});

describe('static registry', () => {
  it('reads every SERVICE_<NAME>_URL with optional weights', async () => {
    const registry = staticRegistry({
      SERVICE_READ_MODEL_URL: 'https://a.example/ , https://b.example;weight=2',
      DATABASE_URL: 'postgres://x',
    });
    expect(registry.knows?.('read-model')).toBe(true);
    expect(registry.knows?.('inventory')).toBe(false);
    expect(await registry.resolve('read-model')).toEqual([
      { url: 'https://a.example', weight: 1 },
      { url: 'https://b.example', weight: 2 },
    ]);
  });

  it('names the variable of a malformed URL or weight at construction', () => {
    expect(() => staticRegistry({ SERVICE_X_URL: 'https://a.example?x=1' })).toThrow(
      /SERVICE_X_URL/,
    );
    expect(() => staticRegistry({ SERVICE_X_URL: 'https://a.example;weight=0' })).toThrow(/weight/);
  });
});

describe('service bindings', () => {
  it('prefers a binding that exists over the static URL and falls back when it does not', async () => {
    const binding = { fetch: () => Promise.resolve(new Response('bound')) };
    const registry = fallbackRegistry([
      bindingRegistry({ INVENTORY: binding, PAYMENTS: 'not a fetcher' }),
      staticRegistry({
        SERVICE_INVENTORY_URL: 'https://inv.example',
        SERVICE_PAYMENTS_URL: 'https://pay.example',
      }),
    ]);
    const [inventory] = await registry.resolve('inventory');
    expect(inventory?.fetcher).toBe(binding);
    expect(await registry.resolve('payments')).toEqual([{ url: 'https://pay.example', weight: 1 }]);
    expect(registry.knows?.('orders')).toBe(false);
  });
});

describe('per-isolate discovery cache', () => {
  function counting(answers: Array<() => Promise<{ url: string; weight: number }[]>>) {
    let calls = 0;
    const inner: Registry = { resolve: () => answers[Math.min(calls++, answers.length - 1)]!() };
    return { inner, calls: () => calls };
  }

  it('serves answers younger than the bound without asking and asks again after it', async () => {
    let now = 0;
    const { inner, calls } = counting([
      () => Promise.resolve([{ url: 'http://a', weight: 1 }]),
      () => Promise.resolve([{ url: 'http://b', weight: 1 }]),
    ]);
    const registry = cachedRegistry(inner, { ttlMs: 1_000, now: () => now });
    await registry.resolve('x');
    now = 999;
    expect(await registry.resolve('x')).toEqual([{ url: 'http://a', weight: 1 }]);
    now = 1_000;
    expect(await registry.resolve('x')).toEqual([{ url: 'http://b', weight: 1 }]);
    expect(calls()).toBe(2);
  });

  it('serves a stale answer while the registry fails, up to maxStaleMs', async () => {
    let now = 0;
    const { inner } = counting([
      () => Promise.resolve([{ url: 'http://a', weight: 1 }]),
      () => Promise.reject(new Error('down')),
    ]);
    const registry = cachedRegistry(inner, { ttlMs: 1_000, maxStaleMs: 5_000, now: () => now });
    await registry.resolve('x');
    now = 4_000;
    expect(await registry.resolve('x')).toEqual([{ url: 'http://a', weight: 1 }]);
    now = 5_000;
    await expect(registry.resolve('x')).rejects.toThrow('down');
  });

  it('shares one lookup between concurrent misses', async () => {
    const { inner, calls } = counting([() => Promise.resolve([{ url: 'http://a', weight: 1 }])]);
    const registry = cachedRegistry(inner);
    await Promise.all([registry.resolve('x'), registry.resolve('x'), registry.resolve('x')]);
    expect(calls()).toBe(1);
  });

  it('rejects out-of-range options', () => {
    expect(() => cachedRegistry(memoryRegistry(), { ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => cachedRegistry(memoryRegistry(), { ttlMs: 10, maxStaleMs: 5 })).toThrow(
      /maxStaleMs/,
    );
  });
});
