import { describe, expect, it } from 'vitest';
import { memoryConfigStore } from '../../../../shared/config/memory-store.ts';
import { createSettingsAdmin } from '../../../../shared/config/settings-admin.ts';
import { ordersSettings, paymentsSettings } from './schemas.ts';

const t0 = Date.parse('2026-12-04T10:00:00.000Z');

function setup() {
  const store = memoryConfigStore();
  let clock = t0;
  const admin = createSettingsAdmin({
    store,
    services: { orders: ordersSettings, payments: paymentsSettings, notifications: undefined },
    now: () => clock,
  });
  return { store, admin, tick: (ms: number) => (clock += ms) };
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  return promise.then(
    () => ({ code: 'resolved' }),
    (error: unknown) => ({
      ...(error as object),
      code: (error as { code?: unknown }).code,
      message: (error as Error).message,
    }),
  );
}

describe('settings admin', () => {
  it('writes a change as the next revision, with who, when and what changed', async () => {
    const { admin } = setup();
    const result = await admin.set('orders', 'breaker.failureRateThreshold', 30, {
      actor: 'alice',
    });
    expect(result).toEqual({
      scope: 'orders',
      revision: 1,
      unchanged: false,
      changes: [{ path: 'breaker.failureRateThreshold', to: 30 }],
    });
    const [newest] = await admin.history('orders');
    expect(newest?.record?.audit).toEqual({
      actor: 'alice',
      at: '2026-12-04T10:00:00.000Z',
      action: 'set',
      changes: [{ path: 'breaker.failureRateThreshold', to: 30 }],
    });
  });

  it('applies global under the service and defaults under both', async () => {
    const { admin } = setup();
    await admin.set('global', 'logLevel', 'warn', { actor: 'ops' });
    await admin.set('global', 'breaker.windowSize', 20, { actor: 'ops' });
    await admin.set('orders', 'logLevel', 'debug', { actor: 'ops' });
    expect(await admin.effective('orders')).toEqual({
      service: 'orders',
      revision: { global: 2, service: 1 },
      settings: {
        logLevel: 'debug',
        traceSampleRatio: 1,
        breaker: { failureRateThreshold: 50, windowSize: 20 },
        inventory: { attemptTimeoutMs: 1_000 },
        flags: {},
      },
    });
    expect(await admin.effective('payments')).toMatchObject({ settings: { logLevel: 'warn' } });
  });

  it('refuses an invalid change with every bad field named, and writes nothing', async () => {
    const { admin, store } = setup();
    const error = await failure(
      admin.replace(
        'orders',
        { logLevel: 'loud', breaker: { failureRateThreshold: 0 }, timeout: 5 },
        { actor: 'alice' },
      ),
    );
    expect(error.code).toBe('VALIDATION');
    expect((error.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual([
      'breaker.failureRateThreshold',
      'logLevel',
      'timeout',
    ]);
    expect(await store.heads(['settings/orders'])).toEqual([0]);
  });

  it('refuses a service that does not exist, and any setting for one that declares none', async () => {
    const { admin } = setup();
    expect(await failure(admin.set('ordres', 'logLevel', 'debug', { actor: 'a' }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(
      await failure(admin.set('notifications', 'logLevel', 'debug', { actor: 'a' })),
    ).toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'logLevel', message: 'unknown setting' }],
    });
  });

  it('checks a global change against every service that inherits it', async () => {
    const { admin } = setup();
    // Known to orders only: fine, payments ignores it.
    expect((await admin.set('global', 'traceSampleRatio', 0.5, { actor: 'a' })).revision).toBe(1);
    const invalid = await failure(admin.set('global', 'logLevel', 'loud', { actor: 'a' }));
    expect(invalid).toMatchObject({ code: 'VALIDATION' });
    expect(String(invalid.message)).toMatch(/orders: .*payments: /);
    expect(await failure(admin.set('global', 'nobody.knows', 1, { actor: 'a' }))).toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'nobody', message: 'unknown setting (no service declares it)' }],
    });
  });

  it('tells the second of two operators who read the same revision that they are stale', async () => {
    const { admin, store } = setup();
    await admin.set('orders', 'logLevel', 'warn', { actor: 'setup' });
    const { revision } = await admin.read('orders');
    await admin.set('orders', 'logLevel', 'debug', { actor: 'alice', expectedRevision: revision });
    const stale = await failure(
      admin.set('orders', 'logLevel', 'error', { actor: 'bob', expectedRevision: revision }),
    );
    expect(stale).toMatchObject({ code: 'CONFLICT', currentRevision: 2, expectedRevision: 1 });
    expect(await store.heads(['settings/orders'])).toEqual([2]);
    expect(await admin.effective('orders')).toMatchObject({ settings: { logLevel: 'debug' } });
  });

  it('writes nothing when a change changes nothing', async () => {
    const { admin } = setup();
    await admin.set('orders', 'logLevel', 'warn', { actor: 'a' });
    expect(await admin.set('orders', 'logLevel', 'warn', { actor: 'a' })).toMatchObject({
      revision: 1,
      unchanged: true,
    });
  });

  it('rolls back by writing a new revision with the old content, audited as a rollback', async () => {
    const { admin, tick } = setup();
    await admin.set('orders', 'inventory.attemptTimeoutMs', 500, { actor: 'a' });
    await admin.set('orders', 'inventory.attemptTimeoutMs', 50, { actor: 'b' });
    await admin.set('orders', 'logLevel', 'debug', { actor: 'b' });
    tick(60_000);
    const result = await admin.rollback('orders', 1, { actor: 'carol' });
    expect(result).toMatchObject({
      revision: 4,
      changes: [
        { path: 'inventory.attemptTimeoutMs', from: 50, to: 500 },
        { path: 'logLevel', from: 'debug' },
      ],
    });
    const [newest] = await admin.history('orders', { limit: 1 });
    expect(newest?.record?.audit).toMatchObject({
      actor: 'carol',
      action: 'rollback',
      rollbackOf: 1,
      at: '2026-12-04T10:01:00.000Z',
    });
    expect(await failure(admin.rollback('orders', 9, { actor: 'carol' }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('diffs two revisions, or one against the newest', async () => {
    const { admin } = setup();
    await admin.set('orders', 'logLevel', 'warn', { actor: 'a' });
    await admin.set('orders', 'breaker.windowSize', 10, { actor: 'a' });
    await admin.set('orders', 'logLevel', 'error', { actor: 'a' });
    expect(await admin.diff('orders', 1, 2)).toEqual([{ path: 'breaker.windowSize', to: 10 }]);
    expect(await admin.diff('orders', 1)).toEqual([
      { path: 'breaker.windowSize', to: 10 },
      { path: 'logLevel', from: 'warn', to: 'error' },
    ]);
  });

  it('skips a corrupt revision written behind its back, and builds the next change on the last good one', async () => {
    const { admin, store } = setup();
    await admin.set('orders', 'logLevel', 'warn', { actor: 'a' });
    store.writeBehind('settings/orders', '{"logLevel": "debug"}');
    store.writeBehind('settings/orders', 'garbage');
    const state = await admin.read('orders');
    expect(state).toMatchObject({
      revision: 3,
      good: { revision: 1, settings: { logLevel: 'warn' } },
    });
    expect(state.skipped.map((s) => s.revision)).toEqual([3, 2]);
    const history = await admin.history('orders');
    expect(history.map((h) => [h.revision, h.corrupt === undefined])).toEqual([
      [3, false],
      [2, false],
      [1, true],
    ]);
    const result = await admin.set('orders', 'breaker.windowSize', 5, { actor: 'a' });
    expect(result.revision).toBe(4);
    expect(await admin.effective('orders')).toMatchObject({
      revision: { service: 4 },
      settings: { logLevel: 'warn', breaker: { windowSize: 5 } },
    });
  });
});
