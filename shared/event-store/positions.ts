import type { LogPosition } from './event-store.ts';

/** Most events one read returns when no limit is given. */
export const defaultReadLimit = 1000;

/** True when `position` comes after `after` in the global log's order. */
export function afterPosition(position: LogPosition, after: LogPosition): boolean {
  return (
    position.transactionId > after.transactionId ||
    (position.transactionId === after.transactionId &&
      position.globalPosition > after.globalPosition)
  );
}

/** The limit to use for a read: a whole number from 1 to 10 000, default 1000. */
export function readLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultReadLimit;
  return Math.max(1, Math.min(10_000, Math.floor(limit)));
}
