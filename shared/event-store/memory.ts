import type { EventSchemas, EventStore } from './event-store.ts';
import { memoryAppend } from './memory-append.ts';
import { memoryOutbox } from './memory-outbox.ts';
import { memoryProjections } from './memory-projections.ts';
import { memoryReads } from './memory-reads.ts';
import { createMemoryState, type MemoryOutboxRow } from './memory-state.ts';

export interface MemoryEventStoreOptions {
  /** zod schemas of event payloads by type; when given, unknown types are rejected. */
  schemas?: EventSchemas;
  /** Milliseconds clock for event times, outbox ages and leases. Default Date.now. */
  now?: () => number;
  /** Id generator for events and outbox rows. Default crypto.randomUUID. */
  newId?: () => string;
}

/** EventStore in memory, for unit tests; passes the same contract suite as Postgres. */
export function memoryEventStore({
  schemas,
  now = Date.now,
  newId = () => crypto.randomUUID(),
}: MemoryEventStoreOptions = {}): EventStore & { outboxRows(): readonly MemoryOutboxRow[] } {
  const state = createMemoryState(schemas, now, newId);
  return {
    append: memoryAppend(state),
    ...memoryReads(state),
    ...memoryProjections(state),
    ...memoryOutbox(state),
    outboxRows: () => [...state.outbox.values()].map((row) => ({ ...row })),
  };
}
