import { describe, expect, it } from 'vitest';
import {
  chaosFetch,
  chaosSettingsSchema,
  createChaos,
  type ChaosSettings,
} from '../../../../shared/chaos/index.ts';
import { createTelemetry } from '../../../../shared/telemetry/index.ts';

const expiresAt = new Date(Date.now() + 60_000).toISOString();
const answer = () => Promise.resolve(new Response('paid', { status: 201 }));

function callsWith(fault: Record<string, unknown>) {
  const settings: ChaosSettings = chaosSettingsSchema.parse({
    rules: { r: { fault, dependency: 'payments', expiresAt } },
  });
  const chaos = createChaos({
    service: 'orders',
    settings: () => settings,
    telemetry: createTelemetry({ service: 'orders' }),
  });
  return {
    payments: chaosFetch(answer, chaos, 'payments'),
    inventory: chaosFetch(answer, chaos, 'inventory'),
  };
}

describe('faults on calls to another service', () => {
  it('delays a call by the rule’s latency', async () => {
    const { payments } = callsWith({ kind: 'latency', ms: 150 });
    const started = performance.now();
    expect((await payments('http://payments.test/payments')).status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('leaves calls to other services alone', async () => {
    const { inventory } = callsWith({ kind: 'reset' });
    expect((await inventory('http://inventory.test/stock/x')).status).toBe(201);
  });

  it('fails a call as a reset connection does', async () => {
    const { payments } = callsWith({ kind: 'reset' });
    await expect(payments('http://payments.test/payments')).rejects.toThrow(/connection reset/);
  });

  it('holds a blackholed call until the caller’s timeout aborts it', async () => {
    const { payments } = callsWith({ kind: 'abort' });
    const call = payments('http://payments.test/payments', { signal: AbortSignal.timeout(50) });
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('trickles a response body at the rule’s rate', async () => {
    const { payments } = callsWith({ kind: 'slow-body', bytesPerSecond: 40 });
    const started = performance.now();
    expect(await (await payments('http://payments.test/payments')).text()).toBe('paid');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});
