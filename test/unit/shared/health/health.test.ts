import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../../../shared/health/health.ts';

describe('checkHealth', () => {
  it('is ok when every probe answers', async () => {
    const report = await checkHealth('orders', [
      { name: 'postgres', probe: () => Promise.resolve() },
    ]);
    expect(report).toMatchObject({
      status: 'ok',
      service: 'orders',
      checks: { postgres: { status: 'ok' } },
    });
  });

  it('is degraded and names the error when a probe fails', async () => {
    const report = await checkHealth('orders', [
      { name: 'postgres', probe: () => Promise.resolve() },
      { name: 'redis', probe: () => Promise.reject(new Error('connection refused')) },
    ]);
    expect(report.status).toBe('degraded');
    expect(report.checks.redis).toMatchObject({ status: 'down', error: 'connection refused' });
  });

  it('counts a probe that hangs past the timeout as down and aborts it', async () => {
    let aborted = false;
    const report = await checkHealth(
      'orders',
      [
        {
          name: 'redis',
          probe: (signal) =>
            new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                aborted = true;
                reject(new Error('aborted'));
              }),
            ),
        },
      ],
      { timeoutMs: 20 },
    );
    expect(report.checks.redis?.status).toBe('down');
    expect(aborted).toBe(true);
  });
});
