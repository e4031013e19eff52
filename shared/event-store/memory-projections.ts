import type { CallOptions, EventStore, LogPosition, StoredDocument } from './event-store.ts';
import { clone, docsOf, settle, type MemoryEventStoreState } from './memory-state.ts';
import { assertName, eventStoreLimits } from './prepare.ts';

const samePosition = (a: LogPosition | undefined, b: LogPosition | undefined) =>
  a?.transactionId === b?.transactionId && a?.globalPosition === b?.globalPosition;

/** The read models of a memory event store: documents, checkpoints, projection commits. */
export function memoryProjections(
  state: MemoryEventStoreState,
): Pick<
  EventStore,
  'readDocument' | 'readDocuments' | 'readCheckpoint' | 'commitProjection' | 'resetProjection'
> {
  const { documents, checkpoints } = state;
  return {
    readDocument<Doc>(projection: string, id: string, { signal }: CallOptions = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const found = documents.get(projection)?.get(id);
        return found
          ? ({ id, version: found.version, doc: clone(found.doc) } as StoredDocument<Doc>)
          : undefined;
      });
    },

    readDocuments<Doc>(projection: string, ids: readonly string[], { signal }: CallOptions = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const docs = documents.get(projection);
        const found: StoredDocument<Doc>[] = [];
        for (const id of new Set(ids)) {
          const doc = docs?.get(id);
          if (doc) found.push({ id, version: doc.version, doc: clone(doc.doc) as Doc });
        }
        return found;
      });
    },

    readCheckpoint(name, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        const checkpoint = checkpoints.get(name);
        return checkpoint ? { ...checkpoint } : undefined;
      });
    },

    commitProjection(name, { expected, next, documents: writes, signal }) {
      return settle(() => {
        signal?.throwIfAborted();
        assertName('projection', name, eventStoreLimits.projection);
        if (!samePosition(checkpoints.get(name), expected)) return false;
        checkpoints.set(name, { ...next });
        for (const write of writes) {
          const docs = docsOf(state, write.projection);
          if (write.doc === null) docs.delete(write.id);
          else
            docs.set(write.id, {
              version: (docs.get(write.id)?.version ?? 0) + 1,
              doc: clone(write.doc),
            });
        }
        return true;
      });
    },

    resetProjection(name, { signal } = {}) {
      return settle(() => {
        signal?.throwIfAborted();
        checkpoints.delete(name);
        documents.delete(name);
        return undefined;
      });
    },
  };
}
