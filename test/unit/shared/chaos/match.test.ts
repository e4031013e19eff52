import { describe, expect, it } from 'vitest';
import {
  chaosSettingsSchema,
  pathMatches,
  pickRule,
  type ChaosPoint,
} from '../../../../shared/chaos/index.ts';

const now = Date.parse('2026-12-04T22:00:00Z');
const inAnHour = '2026-12-04T23:00:00Z';

const settings = (rules: Record<string, unknown>, halt?: true) =>
  chaosSettingsSchema.parse({ rules, ...(halt ? { halt } : {}) });

const call: ChaosPoint = {
  seam: 'call',
  service: 'orders',
  dependency: 'payments',
  method: 'POST',
  path: '/payments/p-1/confirm',
  headers: new Headers(),
};

const slowPayments = {
  fault: { kind: 'latency', ms: 1000 },
  service: 'orders',
  dependency: 'payments',
  expiresAt: inAnHour,
};

describe('matching chaos rules', () => {
  it('matches route templates segment by segment', () => {
    expect(pathMatches('/payments/:id/confirm', '/payments/p-1/confirm')).toBe(true);
    expect(pathMatches('/payments/:id', '/payments/p-1/confirm')).toBe(false);
    expect(pathMatches('/payments/*', '/payments/p-1/confirm')).toBe(true);
    expect(pathMatches('/stock/:sku', '/payments/p-1')).toBe(false);
  });

  it('picks a rule aimed at the call by service, dependency and route', () => {
    const rules = settings({ slow: { ...slowPayments, route: 'POST /payments/:id/confirm' } });
    expect(pickRule(rules, call, now, () => 0)?.id).toBe('slow');
    expect(pickRule(rules, { ...call, dependency: 'inventory' }, now, () => 0)).toBeUndefined();
    expect(pickRule(rules, { ...call, service: 'cart' }, now, () => 0)).toBeUndefined();
    expect(pickRule(rules, { ...call, method: 'GET' }, now, () => 0)).toBeUndefined();
  });

  it('applies nothing once a rule has expired or before it starts', () => {
    const rules = settings({ slow: { ...slowPayments, startsAt: '2026-12-04T22:30:00Z' } });
    expect(pickRule(rules, call, now, () => 0)).toBeUndefined();
    expect(pickRule(rules, call, Date.parse('2026-12-04T22:45:00Z'), () => 0)?.id).toBe('slow');
    expect(pickRule(rules, call, Date.parse(inAnHour), () => 0)).toBeUndefined();
  });

  it('applies nothing while the kill switch is set', () => {
    expect(pickRule(settings({ slow: slowPayments }, true), call, now, () => 0)).toBeUndefined();
  });

  it('hits the share of calls its percentage says', () => {
    const rules = settings({ slow: { ...slowPayments, percentage: 30 } });
    expect(pickRule(rules, call, now, () => 0.29)?.id).toBe('slow');
    expect(pickRule(rules, call, now, () => 0.3)).toBeUndefined();
  });

  it('singles out one experiment’s traffic by its header', () => {
    const rules = settings({ slow: { ...slowPayments, experiment: 'exp-7' } });
    expect(pickRule(rules, call, now, () => 0)).toBeUndefined();
    const tagged = { ...call, headers: new Headers({ 'x-chaos-experiment': 'exp-7' }) };
    expect(pickRule(rules, tagged, now, () => 0)?.id).toBe('slow');
  });
});
