import { parseCron } from '../cron.ts';
import type { Target } from '../destinations.ts';
import { messageEvent, type EventRecord } from '../events.ts';
import { dlqId, messageId } from '../ids.ts';
import type { DeadLetter, FlowControl, PendingMessage } from '../message.ts';
import type { QueueRecord, QstashStore, ScheduleRecord } from '../store/store.ts';
import type { DedupClaim, WriteBatch, WriteBatcher, WriteOutcome } from '../store/write-batch.ts';
import { attemptDelivery } from './attempt.ts';
import { callbackBody, callbackMessage } from './callbacks.ts';
import { DueHeap } from './due-heap.ts';
import { decideOutcome, type AttemptResult } from './outcome.ts';

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
  log: (line: string) => void;
}

interface Entry extends PendingMessage {
  phase: 'waiting' | 'ready' | 'inflight' | 'done';
  cancelled: boolean;
  holdsQueueSlot: boolean;
}

interface QueueState {
  parallelism: number;
  paused: boolean;
  active: Set<string>;
  ready: Entry[];
}

interface FlowState {
  control: FlowControl;
  pinned?: Partial<Pick<FlowControl, 'parallelism' | 'rate' | 'periodMs'>>;
  paused: boolean;
  active: number;
  starts: number[];
  ready: Entry[];
  wake?: NodeJS.Timeout;
}

/** How long a schedule whose firing failed waits before it tries again, ms. */
const scheduleRetryMs = 1000;

const insertSorted = (list: Entry[], entry: Entry) => {
  let at = list.length;
  while (at > 0 && list[at - 1]!.seq > entry.seq) at -= 1;
  list.splice(at, 0, entry);
};

/**
 * The in-memory ready queue over the durable rows: every accepted message is a row in Postgres
 * and an entry here; timers, queue FIFO/parallelism, flow control and the in-flight cap decide
 * when each attempt starts; every outcome is written before the next step is taken.
 */
export function createDeliveryEngine(options: EngineOptions) {
  const { store, writer, now, log } = options;
  const pending = new Map<string, Entry>();
  const heap = new DueHeap<Entry>();
  const queues = new Map<string, QueueState>();
  const flows = new Map<string, FlowState>();
  const globalReady: Entry[] = [];
  const schedules = new Map<string, ScheduleRecord>();
  const inflight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let active = 0;
  let closing = false;

  const queueState = (name: string): QueueState => {
    let state = queues.get(name);
    if (!state) {
      state = { parallelism: 1, paused: false, active: new Set(), ready: [] };
      queues.set(name, state);
    }
    return state;
  };

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
      if (next.phase === 'waiting' && !next.cancelled) admit(next);
    }
    arm();
  }

  const enqueue = (entry: Entry) => {
    if (entry.dueAt <= now()) {
      admit(entry);
    } else {
      entry.phase = 'waiting';
      heap.push(entry);
      arm();
    }
  };

  // Gates: queue FIFO and parallelism, flow control, the in-flight cap -----------------------------

  function admit(entry: Entry) {
    if (closing) return;
    entry.phase = 'ready';
    const name = entry.spec.queueName;
    if (name && !entry.holdsQueueSlot) {
      const queue = queueState(name);
      insertSorted(queue.ready, entry);
      pumpQueue(queue);
      return;
    }
    flowGate(entry);
  }

  function pumpQueue(queue: QueueState) {
    while (!queue.paused && queue.active.size < queue.parallelism && queue.ready.length > 0) {
      const entry = queue.ready.shift()!;
      if (entry.cancelled) continue;
      queue.active.add(entry.id);
      entry.holdsQueueSlot = true;
      flowGate(entry);
    }
  }

  const releaseQueueSlot = (entry: Entry) => {
    if (!entry.holdsQueueSlot || !entry.spec.queueName) return;
    entry.holdsQueueSlot = false;
    const queue = queueState(entry.spec.queueName);
    queue.active.delete(entry.id);
    pumpQueue(queue);
  };

  const flowLimits = (flow: FlowState) => ({ ...flow.control, ...flow.pinned });

  function flowGate(entry: Entry) {
    const control = entry.spec.flowControl;
    if (!control) return globalGate(entry);
    let flow = flows.get(control.key);
    if (!flow) {
      flow = { control, paused: false, active: 0, starts: [], ready: [] };
      flows.set(control.key, flow);
    }
    flow.ready.push(entry);
    pumpFlow(flow);
  }

  function pumpFlow(flow: FlowState) {
    const limits = flowLimits(flow);
    while (!flow.paused && flow.ready.length > 0) {
      if (limits.parallelism !== undefined && flow.active >= limits.parallelism) return;
      if (limits.rate !== undefined) {
        const at = now();
        flow.starts = flow.starts.filter((start) => start > at - limits.periodMs);
        if (flow.starts.length >= limits.rate) {
          if (!flow.wake) {
            flow.wake = setTimeout(
              () => {
                flow.wake = undefined;
                pumpFlow(flow);
              },
              flow.starts[0]! + limits.periodMs - at + 1,
            );
          }
          return;
        }
        flow.starts.push(at);
      }
      const entry = flow.ready.shift()!;
      if (entry.cancelled) continue;
      flow.active += 1;
      globalGate(entry);
    }
  }

  function globalGate(entry: Entry) {
    if (closing) return;
    if (active >= options.maxInFlight) globalReady.push(entry);
    else start(entry);
  }

  const releaseSlots = (entry: Entry) => {
    active -= 1;
    const control = entry.spec.flowControl;
    if (control) {
      const flow = flows.get(control.key);
      if (flow) {
        flow.active -= 1;
        pumpFlow(flow);
      }
    }
    while (!closing && active < options.maxInFlight && globalReady.length > 0) {
      const next = globalReady.shift()!;
      if (!next.cancelled) start(next);
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
    active += 1;
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
      active -= 1;
      return;
    }
    try {
      await settle(entry, result, startedAt);
    } finally {
      releaseSlots(entry);
    }
  }

  const callbacksFor = (entry: Entry, result: AttemptResult, failed: DeadLetter | undefined) => {
    const { spec } = entry;
    if (spec.kind) return [];
    const at = now();
    const made: PendingMessage[] = [];
    if (spec.callback) {
      made.push(
        callbackMessage(
          'callback',
          spec.callback,
          spec.callbackOptions,
          callbackBody(entry, result),
          {
            seq: ++seq,
            nowMs: at,
            defaultRetries: options.defaultRetries,
          },
        ),
      );
    }
    if (failed && spec.failureCallback) {
      made.push(
        callbackMessage(
          'failure-callback',
          spec.failureCallback,
          spec.failureCallbackOptions,
          callbackBody(entry, result, failed.dlqId),
          { seq: ++seq, nowMs: at, defaultRetries: options.defaultRetries },
        ),
      );
    }
    return made;
  };

  async function settle(entry: Entry, result: AttemptResult, startedAt: number) {
    const at = now();
    const outcome = decideOutcome(result, entry, { nowMs: at, delayScale: options.delayScale });
    const events: EventRecord[] = [messageEvent(entry, 'IN_PROGRESS', startedAt)];
    const error = result.status === 0 ? result.error : `status ${result.status}`;
    if (entry.cancelled) {
      // Cancelled while in flight: the row is already gone; only a success is worth recording.
      if (outcome.kind === 'delivered') writer.log([messageEvent(entry, 'DELIVERED', at)]);
      entry.phase = 'done';
      releaseQueueSlot(entry);
      return;
    }
    if (outcome.kind === 'delivered') {
      const callbacks = callbacksFor(entry, result, undefined);
      events.push(messageEvent(entry, 'DELIVERED', at));
      if (!(await writeDurably({ deletes: [entry.id], inserts: callbacks, events }))) return;
      finish(entry);
      accepted(callbacks);
    } else if (outcome.kind === 'retry') {
      const dueAt = at + outcome.delayMs;
      const callbacks = callbacksFor(entry, result, undefined);
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
    } else {
      const header: Record<string, string[]> = {};
      result.headers.forEach((value, name) => {
        (header[name] ??= []).push(value);
      });
      const dead: DeadLetter = {
        ...entry,
        dlqId: dlqId(at),
        failedAt: at,
        responseStatus: result.status,
        responseHeader: header,
        responseBody: result.status === 0 ? (result.error ?? '') : result.body.toString('utf8'),
      };
      const callbacks = callbacksFor(entry, result, dead);
      events.push(
        messageEvent(entry, 'ERROR', at, { error, responseStatus: result.status }),
        messageEvent(entry, 'FAILED', at, { error: outcome.reason, dlqId: dead.dlqId }),
      );
      const row = pick(dead);
      if (!(await writeDurably({ deadLetters: [row], inserts: callbacks, events }))) return;
      finish(entry);
      accepted(callbacks);
    }
  }

  const pick = (dead: DeadLetter & Partial<Entry>): DeadLetter => ({
    id: dead.id,
    dlqId: dead.dlqId,
    seq: dead.seq,
    spec: dead.spec,
    body: dead.body,
    dueAt: dead.dueAt,
    retried: dead.retried,
    createdAt: dead.createdAt,
    notBefore: dead.notBefore,
    failedAt: dead.failedAt,
    responseStatus: dead.responseStatus,
    responseHeader: dead.responseHeader,
    responseBody: dead.responseBody,
  });

  const finish = (entry: Entry) => {
    entry.phase = 'done';
    pending.delete(entry.id);
    releaseQueueSlot(entry);
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

  // Schedules -----------------------------------------------------------------------------------

  /** Schedules whose last firing failed, and when to try again. */
  const retryScheduleAt = new Map<string, number>();
  const dueAt = (schedule: ScheduleRecord) =>
    Math.max(schedule.nextAt, retryScheduleAt.get(schedule.id) ?? 0);

  const armSchedules = () => {
    if (scheduleTimer) clearTimeout(scheduleTimer);
    scheduleTimer = undefined;
    if (closing) return;
    let next = Infinity;
    for (const schedule of schedules.values())
      if (!schedule.paused) next = Math.min(next, dueAt(schedule));
    if (next === Infinity) return;
    scheduleTimer = setTimeout(
      () => void fireDueSchedules(),
      Math.max(0, Math.min(next - now(), 2 ** 31 - 1)),
    );
  };

  async function fireDueSchedules() {
    const at = now();
    for (const schedule of [...schedules.values()]) {
      if (schedule.paused || dueAt(schedule) > at) continue;
      await fire(schedule, at).then(
        () => retryScheduleAt.delete(schedule.id),
        (error: unknown) => {
          // Without a pause a schedule whose write fails (Postgres restarting) would fire again
          // at once, in a loop, until Postgres is back.
          retryScheduleAt.set(schedule.id, now() + scheduleRetryMs);
          log(`qstash: schedule ${schedule.id} failed to fire: ${(error as Error).message}`);
        },
      );
    }
    armSchedules();
  }

  async function fire(schedule: ScheduleRecord, at: number) {
    const nextAt = parseCron(schedule.cron).next(at);
    let messages: PendingMessage[] = [];
    try {
      const targets = await options.resolveDestination(schedule.destination);
      messages = targets.map((target) => ({
        id: messageId(),
        seq: ++seq,
        spec: { ...schedule.spec, ...target, scheduleId: schedule.id },
        body: schedule.body,
        dueAt: at + schedule.delayMs,
        retried: 0,
        createdAt: at,
        notBefore: at + schedule.delayMs,
      }));
    } catch (error) {
      log(`qstash: schedule ${schedule.id} skipped: ${(error as Error).message}`);
    }
    await writer.write({
      inserts: messages,
      scheduleRuns: [{ id: schedule.id, nextAt, lastAt: at }],
      events: messages.map((message) => messageEvent(message, 'CREATED', at)),
    });
    schedule.nextAt = nextAt;
    schedule.lastAt = at;
    accepted(messages);
  }

  // The API's view ------------------------------------------------------------------------------

  const cancelEntries = async (entries: Entry[]): Promise<number> => {
    const live = entries.filter((entry) => !entry.cancelled && entry.phase !== 'done');
    if (live.length === 0) return 0;
    const at = now();
    await writer.write({
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
        releaseQueueSlot(entry);
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
      for (const record of scheduleRecords) schedules.set(record.id, record);
      accepted(messages);
      armSchedules();
      if (messages.length > 0) log(`qstash: resuming ${messages.length} undelivered message(s)`);
    },

    /** The next FIFO sequence number. */
    nextSeq: () => ++seq,

    /**
     * Persists new messages with their CREATED events, then schedules them. A message named by a
     * deduplication claim is kept only if its claim wins, in the same write.
     */
    async accept(messages: PendingMessage[], claims: DedupClaim[] = []): Promise<WriteOutcome> {
      const at = now();
      const outcome = await writer.write({
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

    /** Cancels the given pending messages; returns how many were cancelled. */
    cancel(ids: readonly string[]): Promise<number> {
      return cancelEntries(ids.flatMap((id) => pending.get(id) ?? []));
    },

    /** Puts DLQ entries back as new messages and removes them from the DLQ, atomically. */
    async retryDeadLetters(entries: DeadLetter[]): Promise<string[]> {
      const at = now();
      const messages: PendingMessage[] = entries.map((entry) => ({
        id: messageId(),
        seq: ++seq,
        spec: entry.spec,
        body: entry.body,
        dueAt: at,
        retried: 0,
        createdAt: at,
        notBefore: at,
      }));
      await writer.write({
        inserts: messages,
        dlqDeletes: entries.map((entry) => entry.dlqId),
        events: messages.map((message) => messageEvent(message, 'CREATED', at)),
      });
      accepted(messages);
      return messages.map((message) => message.id);
    },

    setQueue(record: Pick<QueueRecord, 'name' | 'parallelism' | 'paused'>): void {
      const queue = queueState(record.name);
      queue.parallelism = record.parallelism;
      queue.paused = record.paused;
      pumpQueue(queue);
    },

    /** Forgets a queue and cancels its messages. */
    async deleteQueue(name: string): Promise<void> {
      await cancelEntries([...pending.values()].filter((entry) => entry.spec.queueName === name));
      queues.delete(name);
    },

    queueLag: (name: string): number =>
      [...pending.values()].filter((entry) => entry.spec.queueName === name).length,

    setSchedule(record: ScheduleRecord): void {
      schedules.set(record.id, record);
      armSchedules();
    },

    deleteSchedule(id: string): void {
      schedules.delete(id);
      retryScheduleAt.delete(id);
      armSchedules();
    },

    getSchedule: (id: string): ScheduleRecord | undefined => schedules.get(id),
    listSchedules: (): ScheduleRecord[] => [...schedules.values()],

    flowInfo(key: string) {
      const flow = flows.get(key);
      const limits = flow ? flowLimits(flow) : undefined;
      const at = now();
      return {
        flowControlKey: key,
        waitListSize: flow?.ready.length ?? 0,
        parallelismMax: limits?.parallelism ?? 0,
        parallelismCount: flow?.active ?? 0,
        rateMax: limits?.rate ?? 0,
        rateCount: flow ? flow.starts.filter((s) => s > at - (limits?.periodMs ?? 1000)).length : 0,
        ratePeriod: (limits?.periodMs ?? 1000) / 1000,
        ratePeriodStart: flow?.starts[0] ?? 0,
        isPaused: flow?.paused ?? false,
        isPinnedParallelism: flow?.pinned?.parallelism !== undefined,
        isPinnedRate: flow?.pinned?.rate !== undefined,
      };
    },

    /** Pause, resume, reset the rate window, or pin/unpin limits of a flow-control key. */
    controlFlow(
      key: string,
      action: 'pause' | 'resume' | 'resetRate' | 'pin' | 'unpin',
      pin: Partial<Pick<FlowControl, 'parallelism' | 'rate' | 'periodMs'>> = {},
    ): void {
      let flow = flows.get(key);
      if (!flow) {
        flow = {
          control: { key, periodMs: 1000 },
          paused: false,
          active: 0,
          starts: [],
          ready: [],
        };
        flows.set(key, flow);
      }
      if (action === 'pause') flow.paused = true;
      if (action === 'resume') flow.paused = false;
      if (action === 'resetRate') flow.starts = [];
      if (action === 'pin') flow.pinned = { ...flow.pinned, ...pin };
      if (action === 'unpin') {
        const rest = { ...flow.pinned };
        if (pin.parallelism !== undefined) delete rest.parallelism;
        if (pin.rate !== undefined) delete rest.rate;
        flow.pinned = pin.parallelism === undefined && pin.rate === undefined ? undefined : rest;
      }
      pumpFlow(flow);
    },

    globalParallelism: () => ({ parallelismMax: options.maxInFlight, parallelismCount: active }),

    /** Stops starting attempts, lets running ones finish for `graceMs`, then aborts them. */
    async close(graceMs: number): Promise<void> {
      if (timer) clearTimeout(timer);
      if (scheduleTimer) clearTimeout(scheduleTimer);
      for (const flow of flows.values()) if (flow.wake) clearTimeout(flow.wake);
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
