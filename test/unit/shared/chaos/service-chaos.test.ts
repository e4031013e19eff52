// Fault rules in a function built as in production: set in its live settings, applied at once,
// counted on /metrics, stopped by the kill switch, ignored where chaos is not enabled.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import notifications from '../../../../functions/notifications/service.ts';
import payments from '../../../../functions/payments/service.ts';
import { chaosAllowed } from '../../../../shared/chaos/index.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

const expiresAt = () => new Date(Date.now() + 60_000).toISOString();
const authorize = (t: TestService, paymentId = randomUUID()) =>
  t.send('POST', '/payments', {
    paymentId,
    orderId: `o-${paymentId}`,
    customerId: 'c-1',
    amount: 1_000,
    currency: 'USD',
  });
const brokenPayments = () => ({
  fault: { kind: 'error', status: 503 },
  route: 'POST /payments',
  expiresAt: expiresAt(),
});

describe('chaos in a function', () => {
  it('answers an injected error with problem+json and counts it', async () => {
    const t = testService(payments, { chaos: true });
    await t.setting('chaos.rules.broken', brokenPayments());
    const response = await authorize(t);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'UNAVAILABLE', chaosRule: 'broken' });
    expect((await t.send('GET', '/payments/none')).status).toBe(404);
    await t.settle();
    expect(await (await t.request('/metrics')).text()).toMatch(
      /chaos_injected_total\{[^}]*rule="broken"[^}]*kind="error"[^}]*\} 1/,
    );
  });

  it('stops every rule at once with the global kill switch', async () => {
    const t = testService(payments, { chaos: true });
    await t.setting('chaos.rules.broken', brokenPayments());
    await t.setting('chaos.halt', true, 'global');
    expect((await authorize(t)).status).toBe(201);
  });

  it('ignores the rules where chaos is not enabled', async () => {
    const t = testService(payments);
    await t.setting('chaos.rules.broken', brokenPayments());
    expect((await authorize(t)).status).toBe(201);
  });

  it('refuses an invalid rule naming the field, and keeps the rules in force', async () => {
    const t = testService(payments, { chaos: true });
    const endless = { fault: { kind: 'error', status: 503 }, route: 'POST /payments' };
    await expect(t.setting('chaos.rules.broken', endless)).rejects.toMatchObject({
      code: 'VALIDATION',
      issues: [expect.objectContaining({ path: 'chaos.rules.broken.expiresAt' })],
    });
    expect((await authorize(t)).status).toBe(201);
  });

  it('fails a share of Postgres statements with nothing half written', async () => {
    const t = testService(payments, { chaos: true });
    await t.setting('chaos.rules.pg', {
      fault: { kind: 'fail' },
      dependency: 'postgres',
      expiresAt: expiresAt(),
    });
    const paymentId = randomUUID();
    expect((await authorize(t, paymentId)).status).toBe(502);
    expect(await t.events.readStream(`payment-${paymentId}`)).toEqual([]);
  });

  it('delivers a message twice, and drops an acknowledgement, with one notification', async () => {
    const t = testService(notifications, { chaos: true });
    const orderId = randomUUID();
    const event = {
      eventId: randomUUID(),
      type: 'OrderPlaced',
      streamId: `order-${orderId}`,
      streamVersion: 1,
      occurredAt: '2026-11-26T11:59:59.000Z',
      data: { orderId, customerId: 'c-1', total: 1200, currency: 'EUR', items: [], placedAt: '' },
    };
    await t.setting('chaos.rules.twice', { fault: { kind: 'duplicate' }, expiresAt: expiresAt() });
    expect((await t.deliver('/events/orders', event)).status).toBe(200);
    await t.setting('chaos.rules.twice', { fault: { kind: 'drop-ack' }, expiresAt: expiresAt() });
    expect((await t.deliver('/events/orders', event)).status).toBe(503);
    const listed = await t.request(`/notifications?orderId=${orderId}`);
    expect(((await listed.json()) as { notifications: unknown[] }).notifications).toHaveLength(1);
  });

  it('refuses chaos in production unless explicitly allowed', () => {
    const enabled = { CHAOS_ENABLED: 'true', CHAOS_ALLOW_PRODUCTION: 'false' } as const;
    expect(() => chaosAllowed({ ...enabled, EDGEMESH_ENV: 'production' })).toThrow(
      /CHAOS_ALLOW_PRODUCTION=true/,
    );
    expect(chaosAllowed({ ...enabled, EDGEMESH_ENV: 'development' })).toBe(true);
    expect(
      chaosAllowed({ ...enabled, CHAOS_ALLOW_PRODUCTION: 'true', EDGEMESH_ENV: 'production' }),
    ).toBe(true);
    expect(chaosAllowed({ ...enabled, CHAOS_ENABLED: 'false', EDGEMESH_ENV: 'production' })).toBe(
      false,
    );
  });
});
