import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkSettings, unknownSettingPaths } from '../../../../shared/config/settings-schema.ts';
import { ordersSettings } from './schemas.ts';

describe('settings validation', () => {
  it('fills every default into an empty document', () => {
    expect(checkSettings(ordersSettings, {}, {})).toEqual({
      ok: true,
      value: {
        logLevel: 'info',
        traceSampleRatio: 1,
        breaker: { failureRateThreshold: 50, windowSize: 100 },
        inventory: { attemptTimeoutMs: 1_000 },
        flags: {},
      },
    });
  });

  it('names every bad field of a document, unknown paths included', () => {
    const own = {
      logLevel: 'loud',
      breaker: { failureRateThreshold: 500, widowSize: 10 },
      brekaer: { windowSize: 1 },
      flags: { beta: { enabled: 'yes' } },
    };
    const result = checkSettings(ordersSettings, own, own);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((issue) => issue.path).sort()).toEqual([
      'breaker.failureRateThreshold',
      'breaker.widowSize',
      'brekaer',
      'flags.beta.enabled',
      'logLevel',
    ]);
  });

  it('accepts any key under a record and under an object with a catchall', () => {
    const schema = z.object({
      weights: z.record(z.string(), z.number()).default({}),
      labels: z.object({}).catchall(z.string()).optional(),
      nested: z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]).optional(),
    });
    expect(
      unknownSettingPaths(schema, {
        weights: { anything: 1 },
        labels: { free: 'x' },
        nested: { b: 1, c: 2 },
      }),
    ).toEqual(['nested.c']);
  });
});
