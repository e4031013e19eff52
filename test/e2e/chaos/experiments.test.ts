// A reduced `npm run chaos`: the shop in workerd on the test data plane, two experiments of 20
// orders each (payments answering 503 to 30 % of calls; every delivery arriving twice), each
// verified against the shop's invariants. The full run, with restarts: `npm run chaos`.
import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runExperiment } from '../../../devstack/chaos/experiment.ts';
import { experiments } from '../../../devstack/chaos/experiments/index.ts';
import type { ChaosTarget } from '../../../devstack/chaos/target.ts';
import { listFunctions, loadServices } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import { createSettingsAdmin } from '../../../shared/config/index.ts';
import { upstashConfigStore } from '../../../shared/config/upstash-store.ts';
import { applyTopology, resolveTopology } from '../../../shared/queue/topology.ts';
import { createRedis } from '../../../shared/redis/upstash.ts';
import { referenceTopology } from '../../support/reference-topology.ts';

const names = ['orders', 'inventory', 'payments', 'notifications'];

describe('chaos experiments (reduced run, workerd)', () => {
  const vars = inject('devstackVars');
  const run = randomUUID().slice(0, 8);
  const suffix = `-chaos-${run}`;
  const prefix = `edgemesh:config:e2e-chaos-${run}:`;
  const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });
  let running: RunningFunction[] = [];
  let target: ChaosTarget;

  beforeAll(async () => {
    const specs = listFunctions().filter((spec) => names.includes(spec.name));
    const services = await loadServices(specs);
    const ports: Record<string, number> = {};
    for (const name of names) ports[name] = await freePort();
    const urls = Object.fromEntries(names.map((n) => [n, `http://127.0.0.1:${ports[n]}`]));
    running = await startFunctions(specs, {
      runtime: 'workerd',
      ports,
      log: () => {},
      vars: {
        ...vars,
        CHAOS_ENABLED: 'true',
        EDGEMESH_CONFIG_PREFIX: prefix,
        EDGEMESH_BREAKER_PREFIX: `edgemesh:breaker:e2e-chaos-${run}`,
        EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:e2e-chaos-${run}`,
        ORDERS_EVENTS_DESTINATION: `order-events${suffix}`,
        ORDERS_SAGA_DEADLINE_MS: '20000',
        ...Object.fromEntries(names.map((n) => [`SERVICE_${n.toUpperCase()}_URL`, urls[n]!])),
      },
    });
    await applyTopology(
      qstash,
      resolveTopology(referenceTopology, urls, { suffix, missing: 'skip' }),
    );
    target = {
      functions: urls,
      admin: createSettingsAdmin({
        store: upstashConfigStore(
          createRedis({
            UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
            UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
          }),
          { prefix },
        ),
        services: Object.fromEntries(services.map((s) => [s.name, s.settings])),
      }),
      databaseUrl: vars.DATABASE_URL!,
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
    await qstash.urlGroups.delete(`order-events${suffix}`).catch(() => {});
    for (const schedule of await qstash.schedules.list().catch(() => [])) {
      if (schedule.scheduleId.endsWith(suffix)) await qstash.schedules.delete(schedule.scheduleId);
    }
  });

  it.each(['payments-5xx', 'duplicate-delivery'])(
    '%s: every order ends, stock and captures hold, one notification per event',
    async (name) => {
      const experiment = experiments.find((e) => e.name === name)!;
      const row = await runExperiment(experiment, target, {
        orders: 20,
        holdMs: 5_000,
        settleMs: 60_000,
      });
      expect(row).toMatchObject({
        placed: 20,
        terminal: 20,
        stockDrift: 0,
        doubleCaptures: 0,
        lostNotifications: 0,
        duplicatedNotifications: 0,
        verdict: 'pass',
      });
      expect(row.injected).toBeGreaterThan(0);
    },
    120_000,
  );
});
