import { describe, expect, it } from 'vitest';
import {
  parseDuration,
  parseInteger,
  parseRetryAfter,
} from '../../../../devstack/qstash/durations.ts';

describe('QStash durations', () => {
  it('reads single and combined units', () => {
    expect(parseDuration('10s', 'Upstash-Delay')).toBe(10_000);
    expect(parseDuration('1d10h30m', 'Upstash-Delay')).toBe(
      86_400_000 + 10 * 3_600_000 + 30 * 60_000,
    );
    expect(parseDuration('250ms', 'Upstash-Timeout')).toBe(250);
    expect(parseDuration('30', 'Upstash-Timeout', 's')).toBe(30_000);
  });

  it('rejects anything else with a 400 naming the header', () => {
    for (const bad of ['', '10', '-5s', '1w', 'soon', '1.5s']) {
      expect(() => parseDuration(bad, 'Upstash-Delay')).toThrow(/Upstash-Delay/);
    }
  });

  it('bounds integers', () => {
    expect(parseInteger('3', 'Upstash-Retries', 100)).toBe(3);
    expect(() => parseInteger('101', 'Upstash-Retries', 100)).toThrow(/0 to 100/);
    expect(() => parseInteger('2.5', 'Upstash-Retries', 100)).toThrow(/Upstash-Retries/);
  });

  it('reads Retry-After as seconds, a duration or an HTTP date, capped at a day', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('6m5s', now)).toBe(365_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('999999', now)).toBe(86_400_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('whenever', now)).toBeUndefined();
  });
});
