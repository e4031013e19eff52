import { describe, expect, it } from 'vitest';
import { createKeyedLock } from '../../../../../devstack/qstash/workflow/keyed-lock.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('keyed lock', () => {
  it('lets callers of one key take turns in call order, and callers of other keys run at once', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name} in`);
      await tick();
      log.push(`${name} out`);
    };
    await Promise.all([
      lock.run(['a'], job('a1')),
      lock.run(['a'], job('a2')),
      lock.run(['b'], job('b1')),
    ]);
    expect(log.indexOf('a1 out')).toBeLessThan(log.indexOf('a2 in'));
    expect(log.indexOf('b1 in')).toBeLessThan(log.indexOf('a1 out'));
  });

  it('does not deadlock two callers taking the same keys in opposite order', async () => {
    const lock = createKeyedLock();
    const done: string[] = [];
    await Promise.all([
      lock.run(['x', 'y'], async () => {
        await tick();
        done.push('xy');
      }),
      lock.run(['y', 'x'], async () => {
        await tick();
        done.push('yx');
      }),
    ]);
    expect(done.sort()).toEqual(['xy', 'yx']);
  });

  it('releases the key when the holder throws', async () => {
    const lock = createKeyedLock();
    await expect(lock.run(['k'], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(['k'], () => Promise.resolve('next'))).resolves.toBe('next');
  });
});
