/** What the relay hands a publisher: the outbox id is the deduplication id. */
export interface OutboxMessageToPublish {
  readonly id: string;
  readonly destination: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Publishes one outbox message; resolves once the queue accepted it. */
export type OutboxPublisher = (
  message: OutboxMessageToPublish,
  signal: AbortSignal,
) => Promise<void>;

/** A publisher that keeps messages in memory, for unit tests; `failNext(n)` rejects n publishes. */
export interface MemoryPublisher {
  readonly publish: OutboxPublisher;
  /** Every accepted message, in order, duplicates included. */
  readonly messages: OutboxMessageToPublish[];
  failNext(times: number, error?: Error): void;
}

/** An in-memory OutboxPublisher, for unit tests. */
export function memoryPublisher(): MemoryPublisher {
  const messages: OutboxMessageToPublish[] = [];
  let failures = 0;
  let failure = new Error('publish failed');
  return {
    messages,
    failNext(times, error = new Error('publish failed')) {
      failures = times;
      failure = error;
    },
    publish: function publishInMemory(message, signal) {
      signal.throwIfAborted();
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(failure);
      }
      messages.push(structuredClone(message));
      return Promise.resolve();
    },
  };
}
