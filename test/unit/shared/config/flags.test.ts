import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import {
  evaluateFlag,
  flagsSettings,
  isFlagOn,
  rolloutBucket,
  type FlagsSettings,
} from '../../../../shared/config/flags.ts';
import { settingsFlagProvider } from '../../../../shared/config/openfeature-provider.ts';

const flags: FlagsSettings = flagsSettings.parse({
  everyone: { enabled: true },
  nobody: { enabled: false },
  quarter: { enabled: true, percentage: 25 },
  banner: { enabled: true, value: 'winter sale' },
  limits: { enabled: true, value: { perMinute: 10 } },
});

const customers = Array.from({ length: 20_000 }, (_, i) => `customer-${i}`);

describe('feature flags', () => {
  it('is on for everyone, off for everyone, and off when missing', () => {
    expect(isFlagOn(flags, 'everyone', 'c1')).toBe(true);
    expect(isFlagOn(flags, 'everyone')).toBe(true);
    expect(isFlagOn(flags, 'nobody', 'c1')).toBe(false);
    expect(evaluateFlag(flags, 'missing', 'c1')).toEqual({
      on: false,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('rolls out to about the percentage asked, and always the same customers', () => {
    const on = customers.filter((id) => isFlagOn(flags, 'quarter', id));
    expect(on.length / customers.length).toBeGreaterThan(0.24);
    expect(on.length / customers.length).toBeLessThan(0.26);
    expect(customers.filter((id) => isFlagOn(flags, 'quarter', id))).toEqual(on);
  });

  it('keeps customers who had a rollout when its percentage grows', () => {
    const wider = { ...flags, quarter: { ...flags.quarter!, percentage: 60 } };
    const before = customers.filter((id) => isFlagOn(flags, 'quarter', id));
    expect(before.every((id) => isFlagOn(wider, 'quarter', id))).toBe(true);
  });

  it('puts different customers first in different flags', () => {
    const a = customers.filter((id) => rolloutBucket('flag-a', id) < 1_000);
    const b = new Set(customers.filter((id) => rolloutBucket('flag-b', id) < 1_000));
    const overlap = a.filter((id) => b.has(id)).length / a.length;
    expect(overlap).toBeLessThan(0.2);
  });

  it('buckets by a pure hash of the UTF-8 bytes, the same on every runtime', () => {
    for (const [flag, key] of [
      ['a', 'b'],
      ['new-checkout', 'c-42'],
      ['new-checkout', 'kunde-ü'],
      ['beta', '顧客-7'],
    ] as const) {
      expect(rolloutBucket(flag, key)).toBe(rolloutBucketReference(flag, key));
    }
  });

  it('needs a targeting key for a percentage rollout', () => {
    expect(evaluateFlag(flags, 'quarter')).toEqual({
      on: false,
      reason: 'ERROR',
      errorCode: 'TARGETING_KEY_MISSING',
    });
  });

  it('refuses a percentage outside 0–100 and a malformed flag name', () => {
    expect(flagsSettings.safeParse({ x: { enabled: true, percentage: 101 } }).success).toBe(false);
    expect(flagsSettings.safeParse({ 'bad name': { enabled: true } }).success).toBe(false);
  });
});

/** The same hash written out step by step, independent of the implementation's loop. */
function rolloutBucketReference(flag: string, key: string): number {
  const bytes = [...new TextEncoder().encode(`${flag}\u0000${key}`)];
  let h = 2166136261;
  for (const byte of bytes) h = Number((BigInt((h ^ byte) >>> 0) * 16777619n) % 4294967296n);
  h = (h ^ (h >>> 16)) >>> 0;
  h = Number((BigInt(h) * 0x85ebca6bn) % 4294967296n);
  h = (h ^ (h >>> 13)) >>> 0;
  h = Number((BigInt(h) * 0xc2b2ae35n) % 4294967296n);
  h = (h ^ (h >>> 16)) >>> 0;
  return h % 10_000;
}

describe('OpenFeature provider over settings', () => {
  let current = flags;
  const ready = OpenFeature.setProviderAndWait(settingsFlagProvider(() => current));
  const client = OpenFeature.getClient();
  afterAll(() => OpenFeature.close());

  it('answers boolean flags through the OpenFeature client, per targeting key', async () => {
    await ready;
    expect(await client.getBooleanValue('everyone', false)).toBe(true);
    expect(await client.getBooleanValue('nobody', true)).toBe(false);
    const inRollout = customers.find((id) => isFlagOn(flags, 'quarter', id))!;
    const outside = customers.find((id) => !isFlagOn(flags, 'quarter', id))!;
    expect(await client.getBooleanValue('quarter', false, { targetingKey: inRollout })).toBe(true);
    expect(await client.getBooleanValue('quarter', true, { targetingKey: outside })).toBe(false);
    expect(
      await client.getBooleanDetails('quarter', true, { targetingKey: outside }),
    ).toMatchObject({ reason: 'SPLIT', variant: 'off' });
  });

  it('serves string and object values, and the default for a missing flag or a wrong type', async () => {
    await ready;
    expect(await client.getStringValue('banner', 'none')).toBe('winter sale');
    expect(await client.getObjectValue('limits', {})).toEqual({ perMinute: 10 });
    expect(await client.getStringDetails('missing', 'none')).toMatchObject({
      value: 'none',
      errorCode: 'FLAG_NOT_FOUND',
    });
    expect(await client.getNumberDetails('banner', 3)).toMatchObject({
      value: 3,
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('follows the settings in force at each evaluation', async () => {
    await ready;
    current = { ...flags, nobody: { enabled: true, percentage: 100 } };
    expect(await client.getBooleanValue('nobody', false)).toBe(true);
    current = flags;
  });
});
