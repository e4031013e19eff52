import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Header that tells QStash a 489 must not be retried: the message goes straight to the DLQ. */
export const nonRetryableHeader = 'Upstash-NonRetryable-Error';

/**
 * An error for a message that can never succeed: rendered as 489 with
 * `Upstash-NonRetryable-Error: true`, so QStash dead-letters it without retrying.
 */
export function nonRetryable(
  message: string,
  options: { cause?: unknown; issues?: readonly { path: string; message: string }[] } = {},
): EdgeMeshError {
  return new EdgeMeshError('UNPROCESSABLE_MESSAGE', message, {
    ...options,
    headers: { [nonRetryableHeader]: 'true' },
  });
}
