import { messageEvent, type EventRecord } from '../events.ts';
import type { PendingMessage } from '../message.ts';
import type { WriteBatch } from '../store/write-batch.ts';
import { attemptDelivery } from './attempt.ts';
import type { EngineOptions } from './engine-options.ts';
import type { Entry } from './entry.ts';
import type { Gates } from './gates.ts';
import { callbacksFor, deadLetterOf } from './message-builders.ts';
import { decideOutcome, type AttemptResult } from './outcome.ts';

/** What the attempt runner needs from the engine. */
export interface AttemptRunnerOptions {
  engine: EngineOptions;
  /** Aborted when the server stops: attempts end and durable writes stop retrying. */
  stopping: AbortSignal;
  /** Attempts running now; close() waits for them. */
  inflight: Set<Promise<void>>;
  gates: Gates;
  nextSeq: () => number;
  /** Waits for an entry's `dueAt`, then admits it. */
  enqueue: (entry: Entry) => void;
  /** Hands committed messages to the timers and gates. */
  accepted: (messages: readonly PendingMessage[]) => void;
  /** Forgets a settled entry and frees its queue slot. */
  finish: (entry: Entry) => void;
}

/** Runs an admitted entry's attempt and writes its outcome before the next step is taken. */
export function createAttemptRunner(options: AttemptRunnerOptions) {
  const { engine, stopping, inflight, gates } = options;
  const { now } = engine;
  const settleDeps = { ...options, writeDurably: durableWriter(options) };

  async function attemptAndSettle(entry: Entry) {
    const startedAt = now();
    const result = await attemptDelivery(entry, {
      signingKey: engine.signingKey,
      nowMs: startedAt,
      defaultTimeoutMs: engine.defaultTimeoutMs,
      signal: stopping,
      maxResponseBytes: engine.maxResponseBytes,
    });
    if (stopping.aborted && result.status === 0) {
      // Interrupted by close(): the row stays as it was and the next start delivers it again.
      gates.dropAborted();
      return;
    }
    try {
      await settle(settleDeps, entry, result, startedAt);
    } finally {
      gates.releaseSlots(entry);
    }
  }

  return {
    /** Starts an entry's attempt; it counts as in flight until its outcome is written. */
    start(entry: Entry): void {
      entry.phase = 'inflight';
      const run = attemptAndSettle(entry).finally(() => inflight.delete(run));
      inflight.add(run);
    },
  };
}

/** Retries a durable write until it lands or the server stops (then a restart redoes it). */
function durableWriter({ engine, stopping }: AttemptRunnerOptions) {
  const { writer, log } = engine;
  return async (part: Partial<WriteBatch>): Promise<boolean> => {
    for (let wait = 100; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await writer.write(part);
        return true;
      } catch (error) {
        if (stopping.aborted) return false;
        log(`qstash: write failed, retrying in ${wait} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
}

/** Writes an attempt's outcome; only then does the entry go on (done, retried or dead). */
async function settle(
  deps: AttemptRunnerOptions & { writeDurably: ReturnType<typeof durableWriter> },
  entry: Entry,
  result: AttemptResult,
  startedAt: number,
) {
  const { engine, gates, writeDurably } = deps;
  const { now, writer } = engine;
  const buildContext = () => ({
    nowMs: now(),
    nextSeq: deps.nextSeq,
    defaultRetries: engine.defaultRetries,
  });
  const at = now();
  const outcome = decideOutcome(result, entry, { nowMs: at, delayScale: engine.delayScale });
  const events: EventRecord[] = [messageEvent(entry, 'IN_PROGRESS', startedAt)];
  const error = result.status === 0 ? result.error : `status ${result.status}`;
  if (entry.cancelled) {
    // Cancelled while in flight: the row is already gone; only a success is worth recording.
    if (outcome.kind === 'delivered') writer.log([messageEvent(entry, 'DELIVERED', at)]);
    entry.phase = 'done';
    gates.releaseQueueSlot(entry);
    return;
  }
  if (outcome.kind === 'delivered') {
    const callbacks = callbacksFor(entry, result, undefined, buildContext());
    events.push(messageEvent(entry, 'DELIVERED', at));
    if (!(await writeDurably({ deletes: [entry.id], inserts: callbacks, events }))) return;
    deps.finish(entry);
    deps.accepted(callbacks);
  } else if (outcome.kind === 'retry') {
    const dueAt = at + outcome.delayMs;
    const callbacks = callbacksFor(entry, result, undefined, buildContext());
    events.push(
      messageEvent(entry, 'ERROR', at, {
        error,
        responseStatus: result.status,
        nextDeliveryTime: Math.round(dueAt),
      }),
      messageEvent(entry, 'RETRY', at, { nextDeliveryTime: Math.round(dueAt) }),
    );
    const retry = { id: entry.id, retried: entry.retried + 1, dueAt };
    if (!(await writeDurably({ retries: [retry], inserts: callbacks, events }))) return;
    entry.retried += 1;
    entry.dueAt = dueAt;
    deps.accepted(callbacks);
    deps.enqueue(entry);
  } else if (entry.spec.workflow?.role === 'call') {
    // A context.call's answer, whatever its status, goes to the workflow in the callback: the
    // run goes on with it, so the request is done rather than dead.
    const callbacks = callbacksFor(entry, result, undefined, buildContext());
    events.push(
      messageEvent(entry, 'ERROR', at, { error, responseStatus: result.status }),
      messageEvent(entry, 'FAILED', at, { error: outcome.reason }),
    );
    if (!(await writeDurably({ deletes: [entry.id], inserts: callbacks, events }))) return;
    deps.finish(entry);
    deps.accepted(callbacks);
  } else {
    const dead = deadLetterOf(entry, result, at);
    const callbacks = callbacksFor(entry, result, dead, buildContext());
    events.push(
      messageEvent(entry, 'ERROR', at, { error, responseStatus: result.status }),
      messageEvent(entry, 'FAILED', at, { error: outcome.reason, dlqId: dead.dlqId }),
    );
    if (!(await writeDurably({ deadLetters: [dead], inserts: callbacks, events }))) return;
    deps.finish(entry);
    deps.accepted(callbacks);
    engine.onDeadLetter?.(dead);
  }
}
