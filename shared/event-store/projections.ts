import type { EventStore, LogPosition, RecordedEvent } from './event-store.ts';
import { logStart } from './event-store.ts';

/**
 * An async projection: follows the global log and folds events into documents, one per id.
 * Its name keys both its checkpoint and its documents.
 */
export interface DocumentProjection<Doc = unknown> {
  readonly name: string;
  /** Event types it reads; others are skipped by the query. */
  readonly types: readonly string[];
  /** The document an event belongs to; `undefined` skips the event. */
  documentId(event: RecordedEvent): string | undefined;
  /** The document after the event; `null` deletes it. */
  evolve(doc: Doc | null, event: RecordedEvent): Doc | null;
}

export interface RunProjectionOptions {
  /** Events per batch (one checkpointed write each). Default 500. */
  batchSize?: number;
  /** Stop after this many batches. Default: until caught up. */
  maxBatches?: number;
  signal?: AbortSignal;
}

export interface ProjectionRun {
  /** Events this runner applied. */
  processed: number;
  /** Batches another runner committed first (their work is not repeated). */
  lostRaces: number;
  position: LogPosition;
}

/**
 * Runs a projection until it has caught up with the global log. Each batch commits its documents
 * and the checkpoint together, only if the checkpoint is still where the batch started, so any
 * number of runners may run at once and each event is applied once. After `resetProjection` it
 * replays from the start.
 */
export async function runProjection<Doc>(
  store: EventStore,
  projection: DocumentProjection<Doc>,
  { batchSize = 500, maxBatches = Number.POSITIVE_INFINITY, signal }: RunProjectionOptions = {},
): Promise<ProjectionRun> {
  let processed = 0;
  let lostRaces = 0;
  let position = logStart;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const checkpoint = await store.readCheckpoint(projection.name, { signal });
    position = checkpoint ?? logStart;
    const events = await store.readAll({
      after: position,
      limit: batchSize,
      types: projection.types,
      signal,
    });
    if (events.length === 0) break;
    const ids = [
      ...new Set(
        events.map((event) => projection.documentId(event)).filter((id) => id !== undefined),
      ),
    ];
    const docs = new Map<string, Doc | null>();
    for (const stored of await store.readDocuments<Doc>(projection.name, ids, { signal })) {
      docs.set(stored.id, stored.doc);
    }
    const touched = new Set<string>();
    for (const event of events) {
      const id = projection.documentId(event);
      if (id === undefined) continue;
      docs.set(id, projection.evolve(docs.get(id) ?? null, event));
      touched.add(id);
    }
    const next = events[events.length - 1]!.position;
    const moved = await store.commitProjection(projection.name, {
      expected: checkpoint,
      next,
      documents: [...touched].map((id) => ({
        projection: projection.name,
        id,
        doc: docs.get(id) ?? null,
      })),
      signal,
    });
    if (!moved) {
      lostRaces += 1;
      continue;
    }
    processed += events.length;
    position = next;
    if (events.length < batchSize) break;
  }
  return { processed, lostRaces, position };
}
