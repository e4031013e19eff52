import { describe, expect, it } from 'vitest';
import { decideOutcome, defaultBackoffMs } from '../../../../devstack/qstash/delivery/outcome.ts';
import type { MessageSpec } from '../../../../devstack/qstash/message.ts';

const spec: MessageSpec = { url: 'https://x', method: 'POST', headers: {}, maxRetries: 3 };
const result = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  body: Buffer.alloc(0),
});
const now = Date.parse('2025-01-01T00:00:00Z');
const decide = (
  status: number,
  retried = 0,
  extra: Partial<MessageSpec> = {},
  headers = {},
  delayScale = 1,
) =>
  decideOutcome(
    result(status, headers),
    { retried, spec: { ...spec, ...extra } },
    { nowMs: now, delayScale },
  );

describe('after a delivery attempt', () => {
  it('treats any 2xx as delivered', () => {
    for (const status of [200, 201, 204, 299])
      expect(decide(status)).toEqual({ kind: 'delivered' });
  });

  it("does not count a workflow run's first step as delivered unless a workflow endpoint answered", () => {
    const workflow = { runId: 'wfr_1', createdAt: now, url: 'https://x', role: 'step' as const };
    expect(decide(200, 0, { workflow: { ...workflow, trigger: true } })).toEqual({
      kind: 'retry',
      delayMs: defaultBackoffMs(1),
    });
    expect(decide(200, 3, { workflow: { ...workflow, trigger: true } })).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('non-workflow destination') as string,
    });
    expect(
      decide(
        200,
        0,
        { workflow: { ...workflow, trigger: true } },
        {
          'Upstash-Workflow-Sdk-Version': '1',
        },
      ),
    ).toEqual({ kind: 'delivered' });
    expect(decide(200, 0, { workflow })).toEqual({ kind: 'delivered' });
  });

  it("waits QStash's backoff between retries: ~12 s, 2m28s, 30m8s, capped at a day", () => {
    expect(Math.round(defaultBackoffMs(1) / 1000)).toBe(12);
    expect(Math.round(defaultBackoffMs(2) / 1000)).toBe(148);
    expect(Math.round(defaultBackoffMs(3) / 1000)).toBe(1808);
    expect(defaultBackoffMs(10)).toBe(86_400_000);
    expect(decide(500, 1)).toEqual({ kind: 'retry', delayMs: defaultBackoffMs(2) });
  });

  it('uses the Retry-Delay expression with retried counted from 0, divided by the scale', () => {
    expect(decide(500, 0, { retryDelay: '1000 * pow(2, retried)' })).toEqual({
      kind: 'retry',
      delayMs: 1000,
    });
    expect(decide(500, 2, { retryDelay: '1000 * pow(2, retried)' }, {}, 100)).toEqual({
      kind: 'retry',
      delayMs: 40,
    });
  });

  it('honours Retry-After and X-RateLimit-Reset over the expression', () => {
    expect(decide(429, 0, { retryDelay: '1' }, { 'Retry-After': '7' })).toEqual({
      kind: 'retry',
      delayMs: 7000,
    });
    expect(decide(429, 0, {}, { 'X-RateLimit-Reset-Requests': '1m' })).toEqual({
      kind: 'retry',
      delayMs: 60_000,
    });
  });

  it('fails after the last retry and on a non-retryable 489', () => {
    expect(decide(500, 3).kind).toBe('failed');
    expect(decide(489, 0, {}, { 'Upstash-NonRetryable-Error': 'true' }).kind).toBe('failed');
    expect(decide(489, 0).kind).toBe('retry');
  });

  it('retries a connection failure (status 0)', () => {
    expect(decide(0).kind).toBe('retry');
  });
});
