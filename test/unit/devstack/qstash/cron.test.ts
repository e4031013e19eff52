import { describe, expect, it } from 'vitest';
import { parseCron } from '../../../../devstack/qstash/cron.ts';

describe('Upstash-Cron', () => {
  it('computes the next firing of a five-field cron in UTC', () => {
    const after = Date.parse('2025-03-01T10:07:30Z');
    expect(new Date(parseCron('*/5 * * * *').next(after)).toISOString()).toBe(
      '2025-03-01T10:10:00.000Z',
    );
    expect(new Date(parseCron('0 9 * * 1').next(after)).toISOString()).toBe(
      '2025-03-03T09:00:00.000Z',
    );
  });

  it('honours a CRON_TZ= prefix', () => {
    const after = Date.parse('2025-07-01T00:00:00Z');
    const schedule = parseCron('CRON_TZ=America/New_York 0 9 * * *');
    expect(new Date(schedule.next(after)).toISOString()).toBe('2025-07-01T13:00:00.000Z');
    expect(schedule.expression).toBe('CRON_TZ=America/New_York 0 9 * * *');
  });

  it('rejects six fields, out-of-range values and unknown time zones', () => {
    expect(() => parseCron('* * * * * *')).toThrow(/5 fields/);
    expect(() => parseCron('61 * * * *')).toThrow(/Upstash-Cron/);
    expect(() => parseCron('CRON_TZ=Mars/Olympus * * * * *')).toThrow(/time zone/);
    expect(() => parseCron('')).toThrow(/5 fields/);
  });
});
