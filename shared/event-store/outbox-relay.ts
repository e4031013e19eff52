import type { EventStore, OutboxRecord } from './event-store.ts';
import type { OutboxPublisher } from './publisher.ts';

export interface OutboxRelayOptions {
  store: EventStore;
  publisher: OutboxPublisher;
  /** How long one publish may take before it counts as failed, in ms. Default 10 000. */
  publishTimeoutMs?: number;
  /**
   * Rows relayed within this many ms of each other are marked published in one statement, so
   * concurrent requests share a write. 0 marks each relay's rows on their own. Default 10.
   */
  markBatchMs?: number;
}

export interface SweepOptions {
  /** Most rows per sweep. Default 100. */
  limit?: number;
  /** How long a claim keeps other sweeps off the rows, in ms. Default 30 000. */
  leaseMs?: number;
  /** Leave rows younger than this to the relay after commit, in ms. Default 10 000. */
  minAgeMs?: number;
  signal?: AbortSignal;
}

/** What one relay or sweep did. */
export interface RelayReport {
  published: number;
  failed: number;
}

export interface OutboxRelay {
  /** Publishes rows an append just committed; call it inside `waitUntil`. Never rejects. */
  relay(records: readonly OutboxRecord[], signal?: AbortSignal): Promise<RelayReport>;
  /** Claims rows a crash left unpublished (leased, so concurrent sweeps split them) and publishes them. */
  sweep(options?: SweepOptions): Promise<RelayReport & { claimed: number }>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Relays outbox rows at least once: publish, then mark done only after the publisher accepted.
 * A crash between the two republishes the row on a later sweep; the outbox id is the
 * deduplication id, so the queue drops the copy.
 */
export function createOutboxRelay({
  store,
  publisher,
  publishTimeoutMs = 10_000,
  markBatchMs = 10,
}: OutboxRelayOptions): OutboxRelay {
  let batch: string[] = [];
  let marking: Promise<void> | undefined;

  /** Marks ids with those of every relay in the next `markBatchMs`; settles once written. */
  function markSoon(ids: readonly string[]): Promise<void> {
    batch.push(...ids);
    marking ??= new Promise((resolve) => setTimeout(resolve, markBatchMs)).then(() => {
      const ids = batch;
      batch = [];
      marking = undefined;
      return store.markOutboxPublished(ids);
    });
    return marking;
  }

  async function publishAll(
    records: readonly OutboxRecord[],
    signal: AbortSignal | undefined,
    batched: boolean,
  ): Promise<RelayReport> {
    if (records.length === 0) return { published: 0, failed: 0 };
    const outcomes = await Promise.allSettled(
      records.map((record) => {
        const timeout = AbortSignal.timeout(publishTimeoutMs);
        const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
        return publisher(
          {
            id: record.id,
            destination: record.destination,
            body: record.body,
            headers: record.headers,
          },
          combined,
        );
      }),
    );
    const published = records.filter((_, index) => outcomes[index]?.status === 'fulfilled');
    const ids = published.map((record) => record.id);
    if (batched && markBatchMs > 0 && ids.length > 0) await markSoon(ids);
    else await store.markOutboxPublished(ids, { signal });
    const failures = records.flatMap((record, index) => {
      const outcome = outcomes[index];
      return outcome?.status === 'rejected'
        ? [{ id: record.id, error: message(outcome.reason) }]
        : [];
    });
    await Promise.all(
      failures.map((failure) => store.recordOutboxFailure(failure.id, failure.error, { signal })),
    );
    return { published: published.length, failed: failures.length };
  }

  return {
    async relay(records, signal) {
      try {
        return await publishAll(records, signal, true);
      } catch (error) {
        // The sweep publishes whatever this left behind; waitUntil must not see a rejection.
        console.error(`outbox relay: ${message(error)}`);
        return { published: 0, failed: records.length };
      }
    },
    async sweep({ limit, leaseMs, minAgeMs, signal } = {}) {
      const claimed = await store.claimOutbox({ limit, leaseMs, minAgeMs, signal });
      const report = await publishAll(claimed, signal, false);
      return { claimed: claimed.length, ...report };
    },
  };
}
