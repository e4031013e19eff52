import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../shared/telemetry/log.ts';
import { redactorFor } from '../../../../shared/telemetry/redact.ts';
import { statementKind } from '../../../../shared/telemetry/postgres.ts';

const env = {
  DATABASE_URL: 'postgres://app:p%40ss-word-9@db.example/shop',
  UPSTASH_REDIS_REST_TOKEN: 'AXkZ-redis-token-0123456789',
  SERVICE_AUTH_SECRET: 'service-secret-abcdef',
  STRIPE_API_KEY: 'sk_live_1234567890',
  PORT: '8080',
};

function capture(level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const log = createLogger({
    service: 'orders',
    level,
    redact: redactorFor(env),
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
  });
  return { log, lines };
}

describe('structured logs', () => {
  it('writes one JSON line with time, level, service, trace and span ids, message and fields', () => {
    const { log, lines } = capture();
    log
      .with({ traceId: 't'.repeat(32), spanId: 's'.repeat(16) })
      .info('order placed', { orderId: 'o-1' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      service: 'orders',
      traceId: 't'.repeat(32),
      spanId: 's'.repeat(16),
      message: 'order placed',
      orderId: 'o-1',
    });
  });

  it('drops lines below the level', () => {
    const { log, lines } = capture('info');
    log.debug('noise');
    expect(lines).toHaveLength(0);
  });

  it('builds nothing for a line below the level, through a derived logger too', () => {
    const touched: string[] = [];
    const log = createLogger({
      service: 'orders',
      level: 'warn',
      redact: (text) => (touched.push('redact'), text),
      write: () => void touched.push('write'),
      now: () => (touched.push('clock'), 0),
    });
    const fields = {
      toJSON: () => (touched.push('fields'), {}),
    };
    log.with({ traceId: 't'.repeat(32) }).info('order accepted', fields);
    log.debug('noise', fields);
    expect(touched).toEqual([]);
  });

  it('keeps the fields of each derived logger apart', () => {
    const { log, lines } = capture();
    const request = log.with({ traceId: 'a'.repeat(32) });
    request.with({ spanId: 'b'.repeat(16) }).info('child');
    request.info('parent');
    log.info('root');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map(({ traceId, spanId }) => [traceId, spanId])).toEqual([
      ['a'.repeat(32), 'b'.repeat(16)],
      ['a'.repeat(32), undefined],
      [undefined, undefined],
    ]);
  });

  it('never writes secret values, bearer tokens, URL passwords or credential fields', () => {
    const { log, lines } = capture();
    log.error('boom', {
      detail: `connect ${env.DATABASE_URL} failed; token ${env.UPSTASH_REDIS_REST_TOKEN}`,
      headers: new Headers({ authorization: 'Bearer abc.def.ghi', 'x-request-id': 'r-1' }),
      password: 'hunter2hunter2',
      nested: { apiKey: 'abc', list: [`Bearer ${env.SERVICE_AUTH_SECRET}`] },
      error: new Error(`with ${env.STRIPE_API_KEY}`, { cause: new Error(env.SERVICE_AUTH_SECRET) }),
    });
    const line = lines[0]!;
    for (const secret of [
      'p%40ss-word-9',
      'p@ss-word-9',
      env.UPSTASH_REDIS_REST_TOKEN,
      env.SERVICE_AUTH_SECRET,
      env.STRIPE_API_KEY,
      'abc.def.ghi',
      'hunter2hunter2',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({
      headers: { 'x-request-id': 'r-1' },
      password: '[REDACTED]',
    });
    expect(line).toContain('postgres://app:[REDACTED]@db.example/shop');
  });
});

describe('statement kind', () => {
  it('names a statement by its first keyword, never by its values', () => {
    expect(statementKind("  select * from orders where id = 'secret'")).toBe('SELECT');
    expect(statementKind('/* tag */ -- note\n insert into t values ($1)')).toBe('INSERT');
    expect(statementKind('with x as (select 1) update t set a = 1')).toBe('WITH');
    expect(statementKind("'; drop table x")).toBe('OTHER');
  });
});
