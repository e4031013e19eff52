import type { EventStore, OutboxRecord } from './event-store.ts';
import type { OutboxPublisher } from './publisher.ts';

export interface OutboxRelayOptions {
  store: EventStore;
  publisher: OutboxPublisher;
  /** How long one publish may take before it counts as failed, in ms. Default 10 000. */
  publishTimeoutMs?: number;
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
}: OutboxRelayOptions): OutboxRelay {
  async function publishAll(
    records: readonly OutboxRecord[],
    signal: AbortSignal | undefined,
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
    await store.markOutboxPublished(
      published.map((record) => record.id),
      { signal },
    );
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
        return await publishAll(records, signal);
      } catch (error) {
        // The sweep publishes whatever this left behind; waitUntil must not see a rejection.
        console.error(`outbox relay: ${message(error)}`);
        return { published: 0, failed: records.length };
      }
    },
    async sweep({ limit, leaseMs, minAgeMs, signal } = {}) {
      const claimed = await store.claimOutbox({ limit, leaseMs, minAgeMs, signal });
      const report = await publishAll(claimed, signal);
      return { claimed: claimed.length, ...report };
    },
  };
}
