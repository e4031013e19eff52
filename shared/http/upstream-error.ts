import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Parses `Retry-After` (delta seconds or an HTTP date) into ms from `now`; undefined if absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A callee answered with a failing status; carries the response so the caller still gets it. */
export class UpstreamStatusError extends EdgeMeshError {
  readonly response: Response;
  /** The callee's `Retry-After`, ms from when it answered. */
  readonly retryAfterMs: number | undefined;

  constructor(service: string, response: Response, now: number) {
    super('UPSTREAM', `${service} answered ${response.status}.`, {
      extensions: { service, upstreamStatus: response.status },
    });
    this.name = 'UpstreamStatusError';
    this.response = response;
    this.retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  }

  /** Frees the unread body of a response that will not be returned. */
  discard(): void {
    this.response.body?.cancel().catch(() => {});
  }
}

/** True for an UpstreamStatusError, even from a duplicated bundle. */
export function isUpstreamStatusError(value: unknown): value is UpstreamStatusError {
  return (
    value instanceof EdgeMeshError &&
    value.code === 'UPSTREAM' &&
    (value as Partial<UpstreamStatusError>).response instanceof Response
  );
}
