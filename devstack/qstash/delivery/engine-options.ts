import type { Target } from '../destinations.ts';
import type { DeadLetter } from '../message.ts';
import type { QstashStore } from '../store/store.ts';
import type { WriteBatcher } from '../store/write-batch.ts';

/** What the delivery engine needs. */
export interface EngineOptions {
  store: QstashStore;
  writer: WriteBatcher;
  now: () => number;
  signingKey: string;
  /** Divides every retry wait (backoff, Retry-Delay, Retry-After); 1 = QStash's timing. */
  delayScale: number;
  defaultRetries: number;
  defaultTimeoutMs: number;
  /** Deliveries in flight at once, across all destinations. */
  maxInFlight: number;
  maxResponseBytes: number;
  resolveDestination: (destination: string) => Promise<Target[]>;
  /** Called once a message's move to the DLQ is committed. */
  onDeadLetter?: (dead: DeadLetter) => void;
  log: (line: string) => void;
}
