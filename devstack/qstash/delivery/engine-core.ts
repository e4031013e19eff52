import { messageEvent } from '../events.ts';
import type { PendingMessage } from '../message.ts';
import type { WriteBatch } from '../store/write-batch.ts';
import { createAttemptRunner } from './attempt-runner.ts';
import { createDueTimer } from './due-timer.ts';
import type { EngineOptions } from './engine-options.ts';
import type { Entry } from './entry.ts';
import { createGates, type Gates } from './gates.ts';
import { createScheduleFiring } from './schedule-firing.ts';

/**
 * The delivery engine's state and parts, wired together: the pending entries, the due timer,
 * the gates, the attempt runner and schedule firing. The engine's API is built over it.
 */
export function createEngineCore(options: EngineOptions) {
  const { writer, now, log } = options;
  const pending = new Map<string, Entry>();
  const inflight = new Set<Promise<void>>();
  const stopping = new AbortController();
  const state = { seq: 0, closing: false };
  const nextSeq = () => ++state.seq;
  const closing = () => state.closing;

  const gates = createGates({
    now,
    maxInFlight: options.maxInFlight,
    start: (entry) => attempts.start(entry),
    closing,
  });
  const due = createDueTimer({ now, admit: (entry) => gates.admit(entry), closing });
  const schedules = createScheduleFiring({
    now,
    writer,
    resolveDestination: options.resolveDestination,
    nextSeq,
    accepted,
    closing,
    log,
  });

  /** Hands committed messages to the timers and gates. */
  function accepted(messages: readonly PendingMessage[]) {
    for (const message of messages) {
      const entry: Entry = {
        ...message,
        phase: 'waiting',
        cancelled: false,
        holdsQueueSlot: false,
      };
      pending.set(entry.id, entry);
      due.enqueue(entry);
    }
  }

  const finish = (entry: Entry) => {
    entry.phase = 'done';
    pending.delete(entry.id);
    gates.releaseQueueSlot(entry);
  };

  const attempts = createAttemptRunner({
    engine: options,
    stopping: stopping.signal,
    inflight,
    gates,
    nextSeq,
    enqueue: (entry) => due.enqueue(entry),
    accepted,
    finish,
  });

  const cancelEntries = (entries: Entry[], extra: Partial<WriteBatch> = {}): Promise<number> =>
    cancelLive({ writer, now, pending, gates }, entries, extra);

  return {
    options,
    state,
    pending,
    inflight,
    stopping,
    gates,
    due,
    schedules,
    nextSeq,
    accepted,
    cancelEntries,
  };
}

/** The wired state the engine's API groups share. */
export type EngineCore = ReturnType<typeof createEngineCore>;

interface CancelScope extends Pick<EngineOptions, 'writer' | 'now'> {
  pending: Map<string, Entry>;
  gates: Gates;
}

/** Cancels the live entries among `entries` (writing `extra` with them); returns how many. */
async function cancelLive(
  { writer, now, pending, gates }: CancelScope,
  entries: Entry[],
  extra: Partial<WriteBatch>,
): Promise<number> {
  const live = entries.filter((entry) => !entry.cancelled && entry.phase !== 'done');
  if (live.length === 0) {
    if (Object.keys(extra).length > 0) await writer.write(extra);
    return 0;
  }
  const at = now();
  await writer.write({
    ...extra,
    deletes: live.map((entry) => entry.id),
    events: live.flatMap((entry) => [
      messageEvent(entry, 'CANCEL_REQUESTED', at),
      messageEvent(entry, 'CANCELLED', at),
    ]),
  });
  for (const entry of live) {
    entry.cancelled = true;
    pending.delete(entry.id);
    if (entry.phase !== 'inflight') {
      entry.phase = 'done';
      gates.releaseQueueSlot(entry);
    }
  }
  return live.length;
}
