import type { EventStore, QueryTracer } from './event-store.ts';

/**
 * The store as one unit of work sees it: every call carries `trace` (e.g. the request's
 * telemetry scope), so each statement becomes a span in that request's trace. Cheap enough to
 * build per request; without a tracer it is the store itself.
 * @example const events = tracedEventStore(deps.events, c.var.telemetry);
 */
export function tracedEventStore(store: EventStore, trace: QueryTracer | undefined): EventStore {
  if (!trace) return store;
  return {
    append: (streamId, events, options) => store.append(streamId, events, { ...options, trace }),
    readStream: (streamId, options) => store.readStream(streamId, { ...options, trace }),
    readAll: (options) => store.readAll({ ...options, trace }),
    aggregateStream: (streamId, options) => store.aggregateStream(streamId, { ...options, trace }),
    readDocument: (projection, id, options) =>
      store.readDocument(projection, id, { ...options, trace }),
    readDocuments: (projection, ids, options) =>
      store.readDocuments(projection, ids, { ...options, trace }),
    readCheckpoint: (name, options) => store.readCheckpoint(name, { ...options, trace }),
    commitProjection: (name, options) => store.commitProjection(name, { ...options, trace }),
    resetProjection: (name, options) => store.resetProjection(name, { ...options, trace }),
    claimOutbox: (options) => store.claimOutbox({ ...options, trace }),
    markOutboxPublished: (ids, options) => store.markOutboxPublished(ids, { ...options, trace }),
    recordOutboxFailure: (id, error, options) =>
      store.recordOutboxFailure(id, error, { ...options, trace }),
  };
}
