import type { Entry } from './entry.ts';

interface QueueState {
  parallelism: number;
  paused: boolean;
  active: Set<string>;
  ready: Entry[];
}

const insertSorted = (list: Entry[], entry: Entry) => {
  let at = list.length;
  while (at > 0 && list[at - 1]!.seq > entry.seq) at -= 1;
  list.splice(at, 0, entry);
};

/** The queue gate: per queue, FIFO by `seq`, at most `parallelism` in flight, paused or not. */
export function createQueueGate(next: (entry: Entry) => void) {
  const queues = new Map<string, QueueState>();

  const queueState = (name: string): QueueState => {
    let state = queues.get(name);
    if (!state) {
      state = { parallelism: 1, paused: false, active: new Set(), ready: [] };
      queues.set(name, state);
    }
    return state;
  };

  function pumpQueue(queue: QueueState) {
    while (!queue.paused && queue.active.size < queue.parallelism && queue.ready.length > 0) {
      const entry = queue.ready.shift()!;
      if (entry.cancelled) continue;
      queue.active.add(entry.id);
      entry.holdsQueueSlot = true;
      next(entry);
    }
  }

  return {
    /** Lines the entry up in its queue and hands it on once the queue has a slot for it. */
    pass(name: string, entry: Entry): void {
      const queue = queueState(name);
      insertSorted(queue.ready, entry);
      pumpQueue(queue);
    },

    /** Frees the queue slot an entry held, so the next message of its queue may start. */
    release(entry: Entry): void {
      if (!entry.holdsQueueSlot || !entry.spec.queueName) return;
      entry.holdsQueueSlot = false;
      const queue = queueState(entry.spec.queueName);
      queue.active.delete(entry.id);
      pumpQueue(queue);
    },

    set(name: string, parallelism: number, paused: boolean): void {
      const queue = queueState(name);
      queue.parallelism = parallelism;
      queue.paused = paused;
      pumpQueue(queue);
    },

    forget(name: string): void {
      queues.delete(name);
    },
  };
}
