import { describe, expect, it } from 'vitest';
import { compileRetryDelay } from '../../../../devstack/qstash/retry-delay.ts';

describe('Upstash-Retry-Delay expressions', () => {
  it('evaluates arithmetic and the documented functions of retried', () => {
    const exponential = compileRetryDelay('1000 * pow(2, retried)');
    expect([0, 1, 2, 3].map(exponential)).toEqual([1000, 2000, 4000, 8000]);
    expect(compileRetryDelay('min(10000, 500 + retried * 100)')(3)).toBe(800);
    expect(compileRetryDelay('floor(sqrt(retried + 1) * 1000)')(3)).toBe(2000);
    expect(compileRetryDelay('max(abs(-5), ceil(2.1), round(exp(0)))')(0)).toBe(5);
    expect(compileRetryDelay('(retried + 1) * 2 - 1')(1)).toBe(3);
  });

  it('rejects syntax errors, unknown names and wrong arities', () => {
    for (const bad of ['pow(2,', 'retries * 2', 'pow(2)', '1000; drop', 'eval(1)', '', '2 ** 3']) {
      expect(() => compileRetryDelay(bad), bad).toThrow(/Upstash-Retry-Delay/);
    }
  });

  it('rejects expressions that give a negative delay', () => {
    expect(() => compileRetryDelay('0 - 1000')).toThrow(/non-negative/);
  });
});
