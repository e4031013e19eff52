import { describe, expect, it } from 'vitest';
import { toProblem } from '../../../../shared/errors/problem.ts';
import {
  ConcurrencyError,
  isConcurrencyError,
} from '../../../../shared/event-store/concurrency-error.ts';

describe('ConcurrencyError', () => {
  it('renders as a 409 problem carrying the stream, expected and actual versions', () => {
    const problem = toProblem(new ConcurrencyError('order-1', 2, 3));
    expect(problem).toMatchObject({
      status: 409,
      code: 'CONCURRENCY',
      streamId: 'order-1',
      expected: 2,
      actual: 3,
    });
  });

  it('is recognised by its code, not its class', () => {
    const foreign = Object.assign(new Error('x'), { __edgemeshError: true, code: 'CONCURRENCY' });
    expect(isConcurrencyError(foreign)).toBe(true);
    expect(isConcurrencyError(new Error('x'))).toBe(false);
  });
});
