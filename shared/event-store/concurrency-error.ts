import { EdgeMeshError, hasCode } from '../errors/edgemesh-error.ts';
import type { ExpectedVersion } from './event-store.ts';

/** Another writer got there first: the stream is at `actual`, not at `expected`. 409 over HTTP. */
export class ConcurrencyError extends EdgeMeshError {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly actual: number;

  constructor(streamId: string, expected: ExpectedVersion, actual: number, cause?: unknown) {
    super(
      'CONCURRENCY',
      `Stream ${streamId} is at version ${actual}, expected ${String(expected)}.`,
      { cause, extensions: { streamId, expected, actual } },
    );
    this.name = 'ConcurrencyError';
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** True for a ConcurrencyError, even one from a duplicated bundle of the toolkit. */
export function isConcurrencyError(value: unknown): value is ConcurrencyError {
  return hasCode(value, 'CONCURRENCY');
}

/** Whether a stream at `actual` satisfies `expected`. */
export function matchesExpected(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 0;
  if (expected === 'stream_exists') return actual > 0;
  return actual === expected;
}
