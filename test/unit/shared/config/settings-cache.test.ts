import { describe, expect, it } from 'vitest';
import type { ConfigStore } from '../../../../shared/config/config-store.ts';
import {
  memoryConfigStore,
  type MemoryConfigStore,
} from '../../../../shared/config/memory-store.ts';
import { createSettingsAdmin } from '../../../../shared/config/settings-admin.ts';
import {
  createSettingsCache,
  type SettingsApplied,
  type SettingsRejected,
} from '../../../../shared/config/settings-cache.ts';
import { encodeSettings } from '../../../../shared/config/settings-envelope.ts';
import { ordersSettings, paymentsSettings } from './schemas.ts';

const audit = {
  actor: 'stray',
  at: '2026-12-04T10:00:00.000Z',
  action: 'set',
  changes: [],
} as const;

function setup<Store extends ConfigStore = MemoryConfigStore>(
  store: Store = memoryConfigStore() as ConfigStore as Store,
  mode: 'poll' | 'watch' = 'poll',
) {
  let clock = 1_000_000;
  const pending: Promise<unknown>[] = [];
  const lines: string[] = [];
  const applied: SettingsApplied<unknown>[] = [];
  const rejected: SettingsRejected[] = [];
  const cache = createSettingsCache({
    store,
    service: 'orders',
    schema: ordersSettings,
    refresh: mode,
    intervalMs: 500,
    now: () => clock,
    waitUntil: (promise) => pending.push(promise),
    log: { info: (line) => lines.push(line), warn: (line) => lines.push(line) },
  });
  cache.onApply((event) => applied.push(event));
  cache.onReject((event) => rejected.push(event));
  const admin = createSettingsAdmin({
    store,
    services: { orders: ordersSettings, payments: paymentsSettings },
  });
  return {
    store,
    cache,
    admin,
    lines,
    applied,
    rejected,
    pending,
    advance: (ms: number) => (clock += ms),
    /** Waits for every check handed to waitUntil. */
    settle: async () => {
      while (pending.length > 0) await pending.shift();
    },
  };
}

describe('settings cache', () => {
  it('serves the schema defaults before anything is stored', async () => {
    const { cache, settle } = setup();
    expect(cache.current()).toMatchObject({
      logLevel: 'info',
      breaker: { failureRateThreshold: 50 },
    });
    await settle();
    expect(cache.revision).toEqual({ global: 0, service: 0 });
    expect(cache.loaded).toBe(true);
  });

  it('starts at most one revision check per interval, inside waitUntil, without waiting for it', async () => {
    const { cache, pending, advance, settle } = setup();
    const first = cache.current();
    expect(pending).toHaveLength(1);
    for (let i = 0; i < 100; i += 1) expect(cache.current()).toBe(first);
    advance(499);
    cache.current();
    expect(pending).toHaveLength(1);
    await settle();
    advance(1);
    cache.current();
    expect(pending).toHaveLength(1);
  });

  it('applies a new revision at the next check, while calls in flight keep the object they read', async () => {
    const { cache, admin, applied, lines, advance, settle } = setup();
    cache.current();
    await settle();
    const inFlight = cache.current();
    await admin.set('orders', 'breaker.failureRateThreshold', 25, { actor: 'alice' });
    await admin.set('global', 'logLevel', 'warn', { actor: 'alice' });
    expect(cache.current()).toBe(inFlight);
    advance(500);
    cache.current();
    await settle();
    const next = cache.current();
    expect(next).toMatchObject({ logLevel: 'warn', breaker: { failureRateThreshold: 25 } });
    expect(inFlight).toMatchObject({ logLevel: 'info', breaker: { failureRateThreshold: 50 } });
    expect(Object.isFrozen(next.breaker)).toBe(true);
    expect(cache.revision).toEqual({ global: 1, service: 1 });
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      previousRevision: { global: 0, service: 0 },
      revision: { global: 1, service: 1 },
      changes: [
        { path: 'breaker.failureRateThreshold', from: 50, to: 25 },
        { path: 'logLevel', from: 'info', to: 'warn' },
      ],
    });
    expect(lines.filter((line) => line.includes('applied'))).toEqual([
      'settings orders: revision 1 (global 1) applied, breaker.failureRateThreshold, logLevel',
    ]);
  });

  it('ignores, logs and counts a corrupt revision written behind its back, keeping the last good one', async () => {
    const { cache, admin, store, rejected, lines, advance } = setup();
    await admin.set('orders', 'logLevel', 'debug', { actor: 'a' });
    await cache.refresh();
    store.writeBehind('settings/orders', '{"logLevel": ');
    advance(500);
    expect(await cache.refresh()).toBe(false);
    expect(cache.current().logLevel).toBe('debug');
    expect(cache.revision.service).toBe(1);
    expect(cache.rejected).toBe(1);
    expect(rejected[0]).toMatchObject({ scope: 'service', revision: 2, reason: 'not JSON' });
    expect(lines.some((line) => line.includes('revision 2 refused'))).toBe(true);
    // Seen once, counted once.
    await cache.refresh();
    expect(cache.rejected).toBe(1);
    await admin.set('orders', 'logLevel', 'error', { actor: 'a' });
    expect(await cache.refresh()).toBe(true);
    expect(cache.current().logLevel).toBe('error');
    expect(cache.revision.service).toBe(3);
  });

  it('never applies a document the schema rejects, naming its bad fields', async () => {
    const { cache, store, rejected } = setup();
    store.writeBehind(
      'settings/orders',
      encodeSettings({ settings: { breaker: { failureRateThreshold: 900 }, typo: 1 }, audit }),
    );
    expect(await cache.refresh()).toBe(false);
    expect(cache.current().breaker.failureRateThreshold).toBe(50);
    expect(rejected[0]?.issues.map((issue) => issue.path).sort()).toEqual([
      'breaker.failureRateThreshold',
      'typo',
    ]);
  });

  it('applies a good service document even when the global one that came with it is bad', async () => {
    const { cache, store, rejected } = setup();
    store.writeBehind(
      'settings/global',
      encodeSettings({ settings: { traceSampleRatio: 7 }, audit }),
    );
    store.writeBehind('settings/orders', encodeSettings({ settings: { logLevel: 'warn' }, audit }));
    expect(await cache.refresh()).toBe(true);
    expect(cache.current().logLevel).toBe('warn');
    expect(cache.revision).toEqual({ global: 0, service: 1 });
    expect(rejected.map((r) => [r.scope, r.revision])).toEqual([['global', 1]]);
  });

  it('keeps the settings in force when the store cannot be reached, and logs it once', async () => {
    const broken: ConfigStore = {
      ...memoryConfigStore(),
      heads: () => Promise.reject(new Error('connection refused')),
    };
    const { cache, lines, advance, settle } = setup(broken);
    for (let i = 0; i < 3; i += 1) {
      expect(cache.current().logLevel).toBe('info');
      await settle();
      advance(500);
    }
    expect(lines.filter((line) => line.includes('check failed'))).toHaveLength(1);
    expect(cache.loaded).toBe(false);
  });

  it('loads before the first request that awaits ready', async () => {
    const { cache, admin } = setup();
    await admin.set('orders', 'inventory.attemptTimeoutMs', 250, { actor: 'a' });
    await cache.ready();
    expect(cache.current().inventory.attemptTimeoutMs).toBe(250);
  });

  it('applies changes as a watch reports them, with no request in between', async () => {
    const { cache, admin, applied } = setup(memoryConfigStore(), 'watch');
    await cache.ready();
    await admin.set('orders', 'traceSampleRatio', 0.1, { actor: 'a' });
    await expect.poll(() => applied.length).toBe(1);
    expect(cache.current().traceSampleRatio).toBe(0.1);
    cache.close();
  });
});
