import { nextTurn } from '../runtime/index.ts';

export interface AppendBatchingOptions {
  /** Most appends sent as one statement. Default 32. */
  maxBatch?: number;
  /**
   * Statements in flight at once; appends arriving meanwhile wait and go together, each statement
   * taking an even share of the callers. Default 1: two statements of 8 appends cost more than one
   * of 16 (the per-statement work of client, endpoint and Postgres, and with synchronous commit a
   * WAL flush each); measured at 16 writers, one event per append, 2 in flight were no faster
   * over HTTP or TCP and took 1.5× the CPU per append.
   */
  maxInFlight?: number;
}

interface Waiting<Item, Result> {
  item: Item;
  keys: readonly string[];
  signal: AbortSignal | undefined;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Group commit: an item is sent at once when nothing is in flight (an idle store adds no wait);
 * otherwise it waits for the next turn of the event loop or a free slot, and what waits leaves
 * together as one batch, at most `maxInFlight` batches at a time. Waiting a turn lets the callers
 * a finished batch released append again first, so they share a batch instead of taking a free
 * slot one by one. With more than one slot, a batch leaves beside others only with its share of
 * everything waiting or in flight, so a caller released early does not take a slot alone and
 * keep cycling alone. Items sharing a key (a stream, an idempotency key) never share a batch, so
 * a batch never races with itself. `run` settles each item of a batch on its own.
 */
export function appendBatcher<Item, Result>(
  run: (items: Item[]) => Promise<PromiseSettledResult<Result>[]>,
  keysOf: (item: Item) => readonly string[],
  { maxBatch = 32, maxInFlight = 1 }: AppendBatchingOptions = {},
): (item: Item, signal?: AbortSignal) => Promise<Result> {
  if (!(maxBatch >= 1) || !(maxInFlight >= 1)) {
    throw new RangeError('append batching: maxBatch and maxInFlight must be at least 1');
  }
  let waiting: Waiting<Item, Result>[] = [];
  let inFlight = 0;
  let inFlightItems = 0;

  function takeBatch(size: number): Waiting<Item, Result>[] {
    const batch: Waiting<Item, Result>[] = [];
    const left: Waiting<Item, Result>[] = [];
    const taken = new Set<string>();
    for (const entry of waiting) {
      if (entry.signal?.aborted) {
        entry.reject(entry.signal.reason);
      } else if (batch.length < size && !entry.keys.some((key) => taken.has(key))) {
        for (const key of entry.keys) taken.add(key);
        batch.push(entry);
      } else {
        left.push(entry);
      }
    }
    waiting = left;
    return batch;
  }

  async function send(batch: Waiting<Item, Result>[]): Promise<void> {
    try {
      const outcomes = await run(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (outcome?.status === 'fulfilled') entry.resolve(outcome.value);
        else entry.reject(outcome ? outcome.reason : new Error('append batch lost an item'));
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  function pump(): void {
    pumpScheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const share = Math.min(maxBatch, Math.ceil((waiting.length + inFlightItems) / maxInFlight));
      if (inFlight > 0 && waiting.length < share) return;
      const batch = takeBatch(share);
      if (batch.length === 0) return;
      inFlight += 1;
      inFlightItems += batch.length;
      void send(batch).finally(() => {
        inFlight -= 1;
        inFlightItems -= batch.length;
        schedulePump();
      });
    }
  }

  let pumpScheduled = false;
  /** The next batch leaves on the next turn, so the callers a finished batch released can append again first. */
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    nextTurn(pump);
  }

  return (item, signal) =>
    new Promise<Result>((resolve, reject) => {
      signal?.throwIfAborted();
      waiting.push({ item, keys: keysOf(item), signal, resolve, reject });
      if (inFlight === 0 && !pumpScheduled) pump();
      else schedulePump();
    });
}
