import { beforeEach, describe, expect, it } from 'vitest';
import { declineReason } from '../../../../functions/payments/domain.ts';
import payments from '../../../../functions/payments/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;

const send = (method: string, path: string, body?: unknown) => t.send(method, path, body);
const authorize = (
  paymentId: string,
  customerId = 'c-1',
  amount = 1_000,
  orderId = `o-${paymentId}`,
) => send('POST', '/payments', { paymentId, orderId, customerId, amount, currency: 'USD' });
const status = async (id: string) =>
  ((await (await send('GET', `/payments/${id}`)).json()) as { status: string }).status;

beforeEach(() => {
  t = testService(payments);
});

describe('payments', () => {
  it('declines customers with the decline- prefix and amounts over the limit', () => {
    expect(declineReason('decline-7', 100)).toBe('card_declined');
    expect(declineReason('c-1', 1_000_001)).toBe('over_limit');
    expect(declineReason('c-1', 1_000_000)).toBeUndefined();
  });

  it('authorizes (201), captures once, refunds on cancel after capture', async () => {
    expect((await authorize('p-1')).status).toBe(201);
    expect((await send('POST', '/payments/p-1/confirm')).status).toBe(200);
    expect((await send('POST', '/payments/p-1/confirm')).status).toBe(200);
    const captures = (await t.events.readStream('payment-p-1')).filter(
      (e) => e.type === 'PaymentCaptured',
    );
    expect(captures).toHaveLength(1);
    expect((await send('POST', '/payments/p-1/cancel')).status).toBe(200);
    expect(await status('p-1')).toBe('refunded');
  });

  it('answers 402 PAYMENT_DECLINED, the same on a retry', async () => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await authorize('p-2', 'decline-c');
      expect(response.status).toBe(402);
      expect(((await response.json()) as { code: string }).code).toBe('PAYMENT_DECLINED');
    }
    expect((await send('POST', '/payments/p-2/confirm')).status).toBe(409);
  });

  it('voids before capture; a cancel before the authorization refuses the late one', async () => {
    await authorize('p-3');
    expect((await send('POST', '/payments/p-3/cancel')).status).toBe(200);
    expect(await status('p-3')).toBe('voided');
    expect((await send('POST', '/payments/p-3/confirm')).status).toBe(409);
    expect((await send('POST', '/payments/p-4/cancel')).status).toBe(200);
    expect((await authorize('p-4')).status).toBe(409);
  });

  it('allows one payment per order, so an order is never charged twice', async () => {
    expect((await authorize('p-5', 'c-1', 1_000, 'o-shared')).status).toBe(201);
    expect((await authorize('p-6', 'c-1', 1_000, 'o-shared')).status).toBe(409);
    expect((await authorize('p-5', 'c-1', 1_000, 'o-shared')).status).toBe(201);
    expect((await send('GET', '/payments/p-6')).status).toBe(404);
  });
});
