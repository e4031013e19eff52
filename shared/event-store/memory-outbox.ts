import type { EventStore, OutboxRecord } from './event-store.ts';
import { clone, settle, type MemoryEventStoreState } from './memory-state.ts';

/** The outbox of a memory event store: leased claims, marking published, recording failures. */
export function memoryOutbox(
  state: MemoryEventStoreState,
): Pick<EventStore, 'claimOutbox' | 'markOutboxPublished' | 'recordOutboxFailure'> {
  const { outbox, now } = state;
  return {
    claimOutbox({ limit = 100, leaseMs = 30_000, minAgeMs = 10_000, signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const at = now();
        const claimed: OutboxRecord[] = [];
        for (const row of outbox.values()) {
          if (claimed.length >= limit) break;
          if (row.publishedAt !== undefined || row.lockedUntil > at) continue;
          if (row.createdAtMs > at - minAgeMs) continue;
          const leased = { ...row, attempts: row.attempts + 1, lockedUntil: at + leaseMs };
          outbox.set(row.id, leased);
          const { id, destination, body, headers, attempts, createdAt } = leased;
          claimed.push(clone({ id, destination, body, headers, attempts, createdAt }));
        }
        return claimed;
      });
    },

    markOutboxPublished(ids, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        for (const id of ids) {
          const row = outbox.get(id);
          if (row)
            outbox.set(id, { ...row, publishedAt: now(), lockedUntil: 0, lastError: undefined });
        }
        return undefined;
      });
    },

    recordOutboxFailure(id, error, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const row = outbox.get(id);
        if (row) outbox.set(id, { ...row, lastError: error });
        return undefined;
      });
    },
  };
}
