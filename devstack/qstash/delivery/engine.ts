import type { Target } from '../destinations.ts';
import { messageEvent, type EventRecord } from '../events.ts';
import type { DeadLetter, FlowControl, PendingMessage } from '../message.ts';
import type { QueueRecord, QstashStore, ScheduleRecord } from '../store/store.ts';
import type { DedupClaim, WriteBatch, WriteBatcher, WriteOutcome } from '../store/write-batch.ts';
import { attemptDelivery } from './attempt.ts';
import { DueHeap } from './due-heap.ts';
import { createGates, type Entry } from './gates.ts';
import { callbacksFor, deadLetterOf, redeliveries } from './message-builders.ts';
import { decideOutcome, type AttemptResult } from './outcome.ts';
import { createScheduleFiring } from './schedule-firing.ts';

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

/**
 * The in-memory ready queue over the durable rows: every accepted message is a row in Postgres
 * and an entry here; timers, queue FIFO/parallelism, flow control and the in-flight cap decide
 * when each attempt starts; every outcome is written before the next step is taken.
 */
export function createDeliveryEngine(options: EngineOptions) {
  const { store, writer, now, log } = options;
  const pending = new Map<string, Entry>();
  const heap = new DueHeap<Entry>();
  const inflight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let closing = false;
  const nextSeq = () => ++seq;

  const gates = createGates({
    now,
    maxInFlight: options.maxInFlight,
    start,
    closing: () => closing,
  });
  const schedules = createScheduleFiring({
    now,
    writer,
    resolveDestination: options.resolveDestination,
    nextSeq,
    accepted,
    closing: () => closing,
    log,
  });

  // Timers --------------------------------------------------------------------------------------

  const arm = () => {
    const next = heap.peek();
    if (!next || closing) return;
    if (timer && timerAt <= next.dueAt) return;
    if (timer) clearTimeout(timer);
    timerAt = next.dueAt;
    timer = setTimeout(onTimer, Math.max(0, Math.min(next.dueAt - now(), 2 ** 31 - 1)));
  };

  function onTimer() {
    timer = undefined;
    timerAt = Infinity;
    const at = now();
    for (let next = heap.peek(); next && next.dueAt <= at; next = heap.peek()) {
      heap.pop();
      if (next.phase === 'waiting' && !next.cancelled) gates.admit(next);
    }
    arm();
  }

  const enqueue = (entry: Entry) => {
    if (entry.dueAt <= now()) {
      gates.admit(entry);
    } else {
      entry.phase = 'waiting';
      heap.push(entry);
      arm();
    }
  };

  // Attempts and outcomes ----------------------------------------------------------------------

  /** Retries a durable write until it lands or the server stops (then a restart redoes it). */
  async function writeDurably(part: Partial<WriteBatch>): Promise<boolean> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await writer.write(part);
        return true;
      } catch (error) {
        if (stopping.signal.aborted) return false;
        log(`qstash: write failed, retrying in ${wait} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  function start(entry: Entry) {
    entry.phase = 'inflight';
    const run = attemptAndSettle(entry).finally(() => inflight.delete(run));
    inflight.add(run);
  }

  async function attemptAndSettle(entry: Entry) {
    const startedAt = now();
    const result = await attemptDelivery(entry, {
      signingKey: options.signingKey,
      nowMs: startedAt,
      defaultTimeoutMs: options.defaultTimeoutMs,
      signal: stopping.signal,
      maxResponseBytes: options.maxResponseBytes,
    });
    if (stopping.signal.aborted && result.status === 0) {
      // Interrupted by close(): the row stays as it was and the next start delivers it again.
      gates.dropAborted();
      return;
    }
    try {
      await settle(entry, result, startedAt);
    } finally {
      gates.releaseSlots(entry);
    }
  }

  const buildContext = () => ({
    nowMs: now(),
    nextSeq,
    defaultRetries: options.defaultRetries,
  });

  async function settle(entry: Entry, result: AttemptResult, startedAt: number) {
    const at = now();
    const outcome = decideOutcome(result, entry, { nowMs: at, delayScale: options.delayScale });
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
      finish(entry);
      accepted(callbacks);
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
      accepted(callbacks);
      enqueue(entry);
    } else if (entry.spec.workflow?.role === 'call') {
      // A context.call's answer, whatever its status, goes to the workflow in the callback: the
      // run goes on with it, so the request is done rather than dead.
      const callbacks = callbacksFor(entry, result, undefined, buildContext());
      events.push(
        messageEvent(entry, 'ERROR', at, { error, responseStatus: result.status }),
        messageEvent(entry, 'FAILED', at, { error: outcome.reason }),
      );
      if (!(await writeDurably({ deletes: [entry.id], inserts: callbacks, events }))) return;
      finish(entry);
      accepted(callbacks);
    } else {
      const dead = deadLetterOf(entry, result, at);
      const callbacks = callbacksFor(entry, result, dead, buildContext());
      events.push(
        messageEvent(entry, 'ERROR', at, { error, responseStatus: result.status }),
        messageEvent(entry, 'FAILED', at, { error: outcome.reason, dlqId: dead.dlqId }),
      );
      if (!(await writeDurably({ deadLetters: [dead], inserts: callbacks, events }))) return;
      finish(entry);
      accepted(callbacks);
      options.onDeadLetter?.(dead);
    }
  }

  const finish = (entry: Entry) => {
    entry.phase = 'done';
    pending.delete(entry.id);
    gates.releaseQueueSlot(entry);
  };

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
      enqueue(entry);
    }
  }

  // The API's view ------------------------------------------------------------------------------

  const cancelEntries = async (
    entries: Entry[],
    extra: Partial<WriteBatch> = {},
  ): Promise<number> => {
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
  };

  return {
    /** Loads what a previous run left: pending messages, queues and schedules. */
    async start(): Promise<void> {
      const [messages, queueRecords, scheduleRecords, lastSeq] = await Promise.all([
        store.loadPending(),
        store.listQueues(),
        store.listSchedules(),
        store.lastSeq(),
      ]);
      seq = lastSeq;
      for (const record of queueRecords) this.setQueue(record);
      for (const record of scheduleRecords) schedules.set(record);
      accepted(messages);
      if (messages.length > 0) log(`qstash: resuming ${messages.length} undelivered message(s)`);
    },

    /** The next FIFO sequence number. */
    nextSeq,

    /**
     * Persists new messages with their CREATED events (and `extra`, in the same write), then
     * schedules them. A message named by a deduplication claim is kept only if its claim wins.
     */
    async accept(
      messages: PendingMessage[],
      claims: DedupClaim[] = [],
      extra: Partial<WriteBatch> = {},
    ): Promise<WriteOutcome> {
      const at = now();
      const outcome = await writer.write({
        ...extra,
        claims,
        inserts: messages,
        events: messages.map((message) => messageEvent(message, 'CREATED', at)),
      });
      const lost = new Set(
        claims.flatMap((claim) => (outcome.claimed.has(claim.key) ? [] : claim.messageIds)),
      );
      accepted(lost.size === 0 ? messages : messages.filter((message) => !lost.has(message.id)));
      return outcome;
    },

    get: (id: string): PendingMessage | undefined => pending.get(id),

    /** Pending messages matching `match`, oldest first. */
    list(match: (message: PendingMessage) => boolean): PendingMessage[] {
      return [...pending.values()].filter(match).sort((a, b) => a.seq - b.seq);
    },

    /** Cancels the given pending messages (writing `extra` with them); returns how many. */
    cancel(ids: readonly string[], extra?: Partial<WriteBatch>): Promise<number> {
      return cancelEntries(
        ids.flatMap((id) => pending.get(id) ?? []),
        extra,
      );
    },

    /** Puts DLQ entries back as new messages and removes them from the DLQ, atomically. */
    async retryDeadLetters(entries: DeadLetter[]): Promise<string[]> {
      const at = now();
      const messages = redeliveries(entries, at, nextSeq);
      await writer.write({
        inserts: messages,
        dlqDeletes: entries.map((entry) => entry.dlqId),
        events: messages.map((message) => messageEvent(message, 'CREATED', at)),
      });
      accepted(messages);
      return messages.map((message) => message.id);
    },

    setQueue(record: Pick<QueueRecord, 'name' | 'parallelism' | 'paused'>): void {
      gates.setQueue(record.name, record.parallelism, record.paused);
    },

    /** Forgets a queue and cancels its messages. */
    async deleteQueue(name: string): Promise<void> {
      await cancelEntries([...pending.values()].filter((entry) => entry.spec.queueName === name));
      gates.forgetQueue(name);
    },

    queueLag: (name: string): number =>
      [...pending.values()].filter((entry) => entry.spec.queueName === name).length,

    setSchedule: (record: ScheduleRecord): void => schedules.set(record),
    deleteSchedule: (id: string): void => schedules.delete(id),
    getSchedule: (id: string): ScheduleRecord | undefined => schedules.get(id),
    listSchedules: (): ScheduleRecord[] => schedules.list(),

    flowInfo: (key: string) => gates.flowInfo(key),

    /** Pause, resume, reset the rate window, or pin/unpin limits of a flow-control key. */
    controlFlow: (
      key: string,
      action: 'pause' | 'resume' | 'resetRate' | 'pin' | 'unpin',
      pin: Partial<Pick<FlowControl, 'parallelism' | 'rate' | 'periodMs'>> = {},
    ): void => gates.controlFlow(key, action, pin),

    globalParallelism: () => gates.globalParallelism(),

    /** Stops starting attempts, lets running ones finish for `graceMs`, then aborts them. */
    async close(graceMs: number): Promise<void> {
      if (timer) clearTimeout(timer);
      schedules.close();
      gates.clearTimers();
      const drained = Promise.all([...inflight]);
      const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      closing = true;
      await Promise.race([drained, grace]);
      stopping.abort();
      await Promise.all([...inflight]);
      await writer.flush().catch(() => {});
    },
  };
}

/** The delivery engine's interface. */
export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;
