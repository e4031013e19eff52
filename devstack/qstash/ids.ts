import { randomBytes } from 'node:crypto';

/** A message id in QStash's style: `msg_` and 32 random url-safe characters. */
export function messageId(): string {
  return `msg_${randomBytes(24).toString('base64url')}`;
}

/** A DLQ id in QStash's style: the failure time and a random suffix. */
export function dlqId(failedAt: number): string {
  return `${failedAt}-${randomBytes(6).toString('hex')}`;
}

/** A schedule id in QStash's style. */
export function scheduleId(): string {
  return `scd_${randomBytes(18).toString('base64url')}`;
}
