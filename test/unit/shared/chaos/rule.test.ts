import { describe, expect, it } from 'vitest';
import { chaosRuleSchema, seamOf } from '../../../../shared/chaos/index.ts';

const expiresAt = '2026-12-04T23:00:00Z';

function pathsOf(rule: unknown): string[] {
  const result = chaosRuleSchema.safeParse(rule);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('chaos rules', () => {
  it('accepts latency toward a service and fills the defaults', () => {
    const rule = chaosRuleSchema.parse({
      fault: { kind: 'latency', ms: 1000 },
      service: 'orders',
      dependency: 'payments',
      expiresAt,
    });
    expect(rule).toMatchObject({ percentage: 100, fault: { jitterMs: 0 } });
    expect(seamOf(rule)).toBe('call');
  });

  it('refuses a rule without an expiry, naming expiresAt', () => {
    expect(pathsOf({ fault: { kind: 'error', status: 503 } })).toEqual(['expiresAt']);
  });

  it('names the field of a bad percentage, status or kind', () => {
    expect(pathsOf({ fault: { kind: 'error', status: 503 }, percentage: 150, expiresAt })).toEqual([
      'percentage',
    ]);
    expect(pathsOf({ fault: { kind: 'error', status: 200 }, expiresAt })).toEqual(['fault.status']);
    expect(pathsOf({ fault: { kind: 'explode' }, expiresAt })).toEqual(['fault.kind']);
  });

  it('refuses a fault where it cannot happen', () => {
    expect(pathsOf({ fault: { kind: 'drop-ack' }, dependency: 'payments', expiresAt })).toEqual([
      'fault.kind',
    ]);
    expect(pathsOf({ fault: { kind: 'reset' }, dependency: 'postgres', expiresAt })).toEqual([
      'fault.kind',
    ]);
    expect(
      pathsOf({ fault: { kind: 'fail' }, dependency: 'redis', route: '/stock/:sku', expiresAt }),
    ).toEqual(['route']);
  });

  it('refuses a window that ends before it starts', () => {
    expect(
      pathsOf({ fault: { kind: 'reset' }, startsAt: '2026-12-05T00:00:00Z', expiresAt }),
    ).toEqual(['expiresAt']);
  });

  it('puts queue faults on deliveries and storage faults on their dependency', () => {
    const delivery = chaosRuleSchema.parse({ fault: { kind: 'duplicate' }, expiresAt });
    const postgres = chaosRuleSchema.parse({
      fault: { kind: 'fail' },
      dependency: 'postgres',
      expiresAt,
    });
    expect([seamOf(delivery), seamOf(postgres)]).toEqual(['delivery', 'postgres']);
  });
});
