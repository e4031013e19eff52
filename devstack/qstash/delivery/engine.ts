import { messageEvent } from '../events.ts';
import type { DeadLetter, FlowControl, PendingMessage } from '../message.ts';
import type { QueueRecord, ScheduleRecord } from '../store/store.ts';
import type { DedupClaim, WriteBatch, WriteOutcome } from '../store/write-batch.ts';
import { createEngineCore, type EngineCore } from './engine-core.ts';
import type { EngineOptions } from './engine-options.ts';
import { redeliveries } from './message-builders.ts';

export type { EngineOptions } from './engine-options.ts';

/**
 * The in-memory ready queue over the durable rows: every accepted message is a row in Postgres
 * and an entry here; timers, queue FIFO/parallelism, flow control and the in-flight cap decide
 * when each attempt starts; every outcome is written before the next step is taken.
 */
export function createDeliveryEngine(options: EngineOptions) {
  const core = createEngineCore(options);
  return {
    ...lifecycleMethods(core),
    ...messageMethods(core),
    ...queueAndFlowMethods(core),
  };
}

/** The delivery engine's interface. */
export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;

function lifecycleMethods({
  options,
  state,
  inflight,
  stopping,
  gates,
  due,
  schedules,
  accepted,
}: EngineCore) {
  const { store, writer, log } = options;
  return {
    /** Loads what a previous run left: pending messages, queues and schedules. */
    async start(): Promise<void> {
      const [messages, queueRecords, scheduleRecords, lastSeq] = await Promise.all([
        store.loadPending(),
        store.listQueues(),
        store.listSchedules(),
        store.lastSeq(),
      ]);
      state.seq = lastSeq;
      for (const record of queueRecords)
        gates.setQueue(record.name, record.parallelism, record.paused);
      for (const record of scheduleRecords) schedules.set(record);
      accepted(messages);
      if (messages.length > 0) log(`qstash: resuming ${messages.length} undelivered message(s)`);
    },

    /** Stops starting attempts, lets running ones finish for `graceMs`, then aborts them. */
    async close(graceMs: number): Promise<void> {
      due.clear();
      schedules.close();
      gates.clearTimers();
      const drained = Promise.all([...inflight]);
      const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      state.closing = true;
      await Promise.race([drained, grace]);
      stopping.abort();
      await Promise.all([...inflight]);
      await writer.flush().catch(() => {});
    },
  };
}

function messageMethods({ options, pending, nextSeq, accepted, cancelEntries }: EngineCore) {
  const { writer, now } = options;
  return {
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
  };
}

function queueAndFlowMethods({ pending, gates, schedules, cancelEntries }: EngineCore) {
  return {
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
  };
}
