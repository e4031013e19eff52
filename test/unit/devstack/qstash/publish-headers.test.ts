import { describe, expect, it } from 'vitest';
import { firstDueAt, parsePublishHeaders } from '../../../../devstack/qstash/publish-headers.ts';

const limits = { defaultRetries: 3, maxRetries: 100 };
const now = 1_700_000_000_000;
const parse = (headers: Record<string, string>) =>
  parsePublishHeaders(new Headers(headers), limits, now);

describe('publish headers', () => {
  it('keeps Content-Type and unprefixes Upstash-Forward-* headers only', () => {
    const { template } = parse({
      'Content-Type': 'text/plain',
      'Upstash-Forward-X-Trace': 'abc',
      'Upstash-Telemetry-Sdk': 'x',
      Authorization: 'Bearer qstash-token',
    });
    expect(template.headers).toEqual({ 'Content-Type': 'text/plain', 'x-trace': 'abc' });
    expect(template).toMatchObject({ method: 'POST', maxRetries: 3 });
  });

  it('reads every delivery option', () => {
    const options = parse({
      'Upstash-Method': 'put',
      'Upstash-Retries': '5',
      'Upstash-Retry-Delay': '1000 * pow(2, retried)',
      'Upstash-Timeout': '30s',
      'Upstash-Callback': 'https://cb.example/ok',
      'Upstash-Failure-Callback': 'https://cb.example/failed',
      'Upstash-Callback-Forward-X-A': '1',
      'Upstash-Failure-Callback-Retries': '1',
      'Upstash-Flow-Control-Key': 'k',
      'Upstash-Flow-Control-Value': 'parallelism=2, rate=10, period=1m',
      'Upstash-Label': 'a, b',
      'Upstash-Deduplication-Id': 'd1',
      'Upstash-Delay': '1m',
    });
    expect(options.template).toMatchObject({
      method: 'PUT',
      maxRetries: 5,
      retryDelay: '1000 * pow(2, retried)',
      timeoutMs: 30_000,
      callback: 'https://cb.example/ok',
      failureCallback: 'https://cb.example/failed',
      callbackOptions: { headers: { 'x-a': '1' } },
      failureCallbackOptions: { retries: 1 },
      flowControl: { key: 'k', parallelism: 2, rate: 10, periodMs: 60_000 },
      labels: ['a', 'b'],
    });
    expect(options.deduplicationId).toBe('d1');
    expect(firstDueAt(options, now)).toBe(now + 60_000);
  });

  it('lets Not-Before beat Delay', () => {
    const options = parse({ 'Upstash-Delay': '10s', 'Upstash-Not-Before': '1700000100' });
    expect(firstDueAt(options, now)).toBe(1_700_000_100_000);
  });

  it.each([
    [{ 'Upstash-Method': 'FETCH' }, /Upstash-Method/],
    [{ 'Upstash-Delay': '10 seconds' }, /Upstash-Delay/],
    [{ 'Upstash-Not-Before': 'tomorrow' }, /Upstash-Not-Before/],
    [{ 'Upstash-Retries': '1000' }, /Upstash-Retries/],
    [{ 'Upstash-Timeout': '0s' }, /Upstash-Timeout/],
    [{ 'Upstash-Callback': 'ftp://x' }, /Upstash-Callback/],
    [{ 'Upstash-Flow-Control-Key': 'k' }, /Flow-Control-Value/],
    [
      { 'Upstash-Flow-Control-Key': 'k', 'Upstash-Flow-Control-Value': 'speed=3' },
      /unknown setting/,
    ],
    [{ 'Upstash-Content-Based-Deduplication': 'yes' }, /Content-Based-Deduplication/],
  ])('rejects %o', (headers, pattern) => {
    expect(() => parse(headers)).toThrow(pattern);
  });
});
