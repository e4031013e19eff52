import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startRedisBackend } from '../../../../devstack/redis/index.ts';
import { pingsWithin } from '../../../../devstack/redis/probe.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedisServer)(
  hasRedisServer
    ? 'a spawned redis-server backend'
    : 'a spawned redis-server backend (skipped: redis-server is not on PATH)',
  () => {
    it('starts redis-server on a free port and stops it on close', async () => {
      const backend = await startRedisBackend({ force: 'redis-server' });
      expect(backend.kind).toBe('redis-server');
      const port = Number(new URL(backend.url ?? '').port);
      expect(await backend.execute(['set', 'k', 'v'])).toEqual({ kind: 'bulk', value: 'OK' });
      expect(await backend.execute(['get', 'k'])).toEqual({ kind: 'bulk', value: 'v' });
      await backend.close();
      expect(await pingsWithin('127.0.0.1', port, 300)).toBe(false);
    });
  },
);

describe('backend selection', () => {
  it('uses the embedded engine when forced, and reports it', async () => {
    const lines: string[] = [];
    const backend = await startRedisBackend({ force: 'embedded', log: (line) => lines.push(line) });
    expect(backend.kind).toBe('embedded');
    expect(await backend.execute(['ping'])).toEqual({ kind: 'status', value: 'PONG' });
    expect(lines.join('\n')).toContain('embedded');
    await backend.close();
  });

  it('fails loudly when an explicit REDIS_URL does not answer', async () => {
    await expect(
      startRedisBackend({ redisUrl: 'redis://127.0.0.1:1', log: () => undefined }),
    ).rejects.toThrow();
  });
});
