import { describe, expect, it } from 'vitest';
import { embeddedRedisBackend } from '../../../../devstack/redis/embedded-backend.ts';
import { hasCode } from '../../../../shared/errors/index.ts';

describe('restarting the embedded Redis engine', () => {
  it('fails commands while it restarts, then answers with every key kept', async () => {
    const backend = embeddedRedisBackend();
    await backend.execute(['set', 'k', 'v']);
    const restart = backend.restart({ downMs: 100 });
    const during = await backend.execute(['get', 'k']).catch((error: unknown) => error);
    expect(hasCode(during, 'UNAVAILABLE')).toBe(true);
    await expect(backend.executeBatch([['get', 'k']], true)).rejects.toThrow(/restarting/);
    expect(await restart).toContain('keys kept');
    expect(await backend.execute(['get', 'k'])).toEqual({ kind: 'bulk', value: 'v' });
  });

  it('starts empty with keepData false', async () => {
    const backend = embeddedRedisBackend();
    await backend.execute(['set', 'k', 'v']);
    await backend.restart({ keepData: false, downMs: 0 });
    expect(await backend.execute(['get', 'k'])).toEqual({ kind: 'bulk', value: null });
  });
});
