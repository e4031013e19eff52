// A fault rule set through the configuration centre reaches a running function, in workerd and
// in Deno, without a restart: it answers the injected error, counts it on /metrics, and stops
// with the kill switch.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions, loadServices } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import { createSettingsAdmin } from '../../../shared/config/index.ts';
import { upstashConfigStore } from '../../../shared/config/upstash-store.ts';
import { createRedis } from '../../../shared/redis/upstash.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];

async function eventually(read: () => Promise<number>, want: number, ms = 15_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (value !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    value = await read();
  }
  return value;
}

describe.each(runtimes)('chaos rules from the config centre on %s', (runtime) => {
  const vars = inject('devstackVars');
  const run = `${runtime}-${randomUUID().slice(0, 8)}`;
  const prefix = `edgemesh:config:e2e-chaos-${run}:`;
  let running: RunningFunction[] = [];
  let url = '';
  let admin: ReturnType<typeof createSettingsAdmin>;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const specs = listFunctions().filter((spec) => spec.name === 'payments');
    const [payments] = await loadServices(specs);
    admin = createSettingsAdmin({
      store: upstashConfigStore(
        createRedis({
          UPSTASH_REDIS_REST_URL: vars.UPSTASH_REDIS_REST_URL!,
          UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN!,
        }),
        { prefix },
      ),
      services: { payments: payments!.settings },
    });
    running = await startFunctions(specs, {
      runtime,
      ports: { payments: port },
      log: () => {},
      vars: {
        ...vars,
        CHAOS_ENABLED: 'true',
        EDGEMESH_CONFIG_PREFIX: prefix,
        EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:e2e-chaos-${run}`,
        SERVICE_PAYMENTS_URL: url,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
  });

  const authorize = async () =>
    (
      await fetch(`${url}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          paymentId: randomUUID(),
          orderId: randomUUID(),
          customerId: 'c-1',
          amount: 100,
          currency: 'USD',
        }),
      })
    ).status;

  it('injects a rule set while it runs, counts it, and stops at the kill switch', async () => {
    expect(await authorize()).toBe(201);
    await admin.set(
      'payments',
      'chaos.rules.broken',
      {
        fault: { kind: 'error', status: 503 },
        route: 'POST /payments',
        expiresAt: new Date(Date.now() + 120_000).toISOString(),
      },
      { actor: 'e2e' },
    );
    expect(await eventually(authorize, 503)).toBe(503);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/chaos_injected_total\{[^}]*rule="broken"[^}]*kind="error"/);

    await admin.set('global', 'chaos.halt', true, { actor: 'e2e' });
    expect(await eventually(authorize, 201)).toBe(201);
  });
});
