// Live settings end to end on real backends: an operator's change (the admin) reaches a cache of
// another isolate (its own client), and a value written behind the store's back is refused.
import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startRedisBackend, startUpstashEndpoint } from '../../../../devstack/redis/index.ts';
import type { ConfigStore } from '../../../../shared/config/config-store.ts';
import { createEtcdGateway } from '../../../../shared/config/etcd/gateway.ts';
import { etcdConfigStore } from '../../../../shared/config/etcd-store.ts';
import { createSettingsAdmin } from '../../../../shared/config/settings-admin.ts';
import { createSettingsCache } from '../../../../shared/config/settings-cache.ts';
import { upstashConfigStore } from '../../../../shared/config/upstash-store.ts';
import { ordersSettings } from '../../../unit/shared/config/schemas.ts';

const vars = inject('devstackVars');
const etcdUrl = inject('etcdUrl');
const quiet = { info: () => undefined, warn: () => undefined };

const embedded = await startUpstashEndpoint({
  backend: await startRedisBackend({ force: 'embedded' }),
  token: 'settings-test-token',
  port: 0,
});
afterAll(() => embedded.close());

interface Target {
  name: string;
  /** A store on its own client, as another isolate would have. */
  store: (prefix: string, watchMode?: 'stream' | 'poll') => ConfigStore;
  /** Writes `text` as the next revision of `settings/orders` with the raw client. */
  writeBehind: (prefix: string, text: string) => Promise<void>;
  prefix: () => string;
}

function upstashTarget(name: string, url: string, token: string): Target {
  const redis = () => new Redis({ url, token, enableTelemetry: false });
  return {
    name,
    store: (prefix) => upstashConfigStore(redis(), { prefix, pollIntervalMs: 50 }),
    async writeBehind(prefix, text) {
      const client = redis();
      const key = `${prefix}settings/orders`;
      const head = await client.hlen(key);
      await client.hset(key, { [String(head + 1)]: text });
    },
    prefix: () => `edgemesh-test:settings:${randomUUID()}:`,
  };
}

const targets: Target[] = [
  upstashTarget(
    `upstash on ${inject('redisKind')}`,
    vars.UPSTASH_REDIS_REST_URL!,
    vars.UPSTASH_REDIS_REST_TOKEN!,
  ),
  upstashTarget('upstash on the embedded engine', embedded.url, embedded.token),
];
if (etcdUrl) {
  targets.push({
    name: 'etcd',
    store: (prefix, watchMode = 'stream') => etcdConfigStore({ url: etcdUrl, prefix, watchMode }),
    async writeBehind(prefix, text) {
      await createEtcdGateway({ url: etcdUrl }).txn({
        compare: [],
        success: [{ put: { key: `${prefix}doc/settings/orders`, value: text } }],
      });
    },
    prefix: () => `/edgemesh-test/settings/${randomUUID()}/`,
  });
}

for (const target of targets) {
  describe(`live settings on ${target.name}`, () => {
    const setup = (mode: 'poll' | 'watch' = 'poll') => {
      const prefix = target.prefix();
      const admin = createSettingsAdmin({
        store: target.store(prefix),
        services: { orders: ordersSettings },
      });
      const cache = createSettingsCache({
        store: target.store(prefix),
        service: 'orders',
        schema: ordersSettings,
        refresh: mode,
        log: quiet,
      });
      return { prefix, admin, cache };
    };

    it("reaches another isolate's cache at its next check", async () => {
      const { admin, cache } = setup();
      await cache.ready();
      await admin.set('orders', 'inventory.attemptTimeoutMs', 200, { actor: 'ops' });
      await admin.set('global', 'logLevel', 'warn', { actor: 'ops' });
      expect(await cache.refresh()).toBe(true);
      expect(cache.current()).toMatchObject({
        logLevel: 'warn',
        inventory: { attemptTimeoutMs: 200 },
      });
      expect(cache.revision).toEqual({ global: 1, service: 1 });
    });

    it('refuses a value written behind its back, counts it, and keeps the last good revision', async () => {
      const { prefix, admin, cache } = setup();
      await admin.set('orders', 'logLevel', 'debug', { actor: 'ops' });
      await cache.ready();
      await target.writeBehind(prefix, '{"settings": {"logLevel": 7}');
      expect(await cache.refresh()).toBe(false);
      expect(cache.current().logLevel).toBe('debug');
      expect(cache.rejected).toBe(1);
      // The operator's next change lands on top, and applies.
      const next = await admin.set('orders', 'logLevel', 'error', { actor: 'ops' });
      expect(next.revision).toBe(3);
      expect(await cache.refresh()).toBe(true);
      expect(cache.revision.service).toBe(3);
    });

    it('applies a change through a watch, with no request in between', async () => {
      const { admin, cache } = setup('watch');
      await cache.ready();
      const applied = new Promise((resolve) => cache.onApply(resolve));
      await admin.set('orders', 'breaker.failureRateThreshold', 10, { actor: 'ops' });
      await applied;
      expect(cache.current().breaker.failureRateThreshold).toBe(10);
      cache.close();
    });
  });
}

if (!etcdUrl) {
  describe('live settings on etcd', () => {
    it.skip('skipped: no etcd binary on PATH and no ETCD_URL (apt-get install etcd-server)', () => {});
  });
}
