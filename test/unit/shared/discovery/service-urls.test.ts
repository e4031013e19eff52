import { describe, expect, it } from 'vitest';
import { serviceUrlsFromEnv } from '../../../../shared/discovery/index.ts';

describe('serviceUrlsFromEnv', () => {
  it('maps SERVICE_<NAME>_URL to service names and ignores empty or other variables', () => {
    expect(
      serviceUrlsFromEnv({
        SERVICE_ORDERS_URL: 'http://127.0.0.1:8787',
        SERVICE_GIFT_CARDS_URL: 'http://a,http://b',
        SERVICE_PAYMENTS_URL: '',
        DATABASE_URL: 'postgres://x',
      }),
    ).toEqual({ orders: 'http://127.0.0.1:8787', 'gift-cards': 'http://a,http://b' });
  });
});
