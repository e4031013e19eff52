import type { FlowControl, PendingMessage } from '../message.ts';

/** A pending message as the engine tracks it between the timers, the gates and an attempt. */
export interface Entry extends PendingMessage {
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

/** What the gates need from the engine. */
export interface GateOptions {
  now: () => number;
  /** Deliveries in flight at once, across all destinations. */
  maxInFlight: number;
  /** Starts an attempt; called once an entry passed every gate. */
  start: (entry: Entry) => void;
  /** True once the server is stopping: nothing new starts. */
  closing: () => boolean;
}

const insertSorted = (list: Entry[], entry: Entry) => {
  let at = list.length;
  while (at > 0 && list[at - 1]!.seq > entry.seq) at -= 1;
  list.splice(at, 0, entry);
};

/**
 * The gates a due message passes before its attempt starts, in order: its queue (FIFO, at most
 * `parallelism` in flight, paused or not), its flow-control key (parallelism and rate per
 * period), then the server-wide in-flight cap.
 */
export function createGates({ now, maxInFlight, start, closing }: GateOptions) {
  const queues = new Map<string, QueueState>();
  const flows = new Map<string, FlowState>();
  const globalReady: Entry[] = [];
  let active = 0;

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
      flowGate(entry);
    }
  }

  const flowLimits = (flow: FlowState) => ({ ...flow.control, ...flow.pinned });

  const flowState = (key: string, control: FlowControl): FlowState => {
    let flow = flows.get(key);
    if (!flow) {
      flow = { control, paused: false, active: 0, starts: [], ready: [] };
      flows.set(key, flow);
    }
    return flow;
  };

  function flowGate(entry: Entry) {
    const control = entry.spec.flowControl;
    if (!control) return globalGate(entry);
    const flow = flowState(control.key, control);
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
    if (closing()) return;
    if (active >= maxInFlight) {
      globalReady.push(entry);
      return;
    }
    active += 1;
    start(entry);
  }

  return {
    /** Puts a due entry through its queue, its flow-control key and the in-flight cap. */
    admit(entry: Entry): void {
      if (closing()) return;
      entry.phase = 'ready';
      const name = entry.spec.queueName;
      if (name && !entry.holdsQueueSlot) {
        const queue = queueState(name);
        insertSorted(queue.ready, entry);
        pumpQueue(queue);
        return;
      }
      flowGate(entry);
    },

    /** Frees the queue slot an entry held, so the next message of its queue may start. */
    releaseQueueSlot(entry: Entry): void {
      if (!entry.holdsQueueSlot || !entry.spec.queueName) return;
      entry.holdsQueueSlot = false;
      const queue = queueState(entry.spec.queueName);
      queue.active.delete(entry.id);
      pumpQueue(queue);
    },

    /** Frees the flow-control and in-flight slots of a finished attempt and starts the next. */
    releaseSlots(entry: Entry): void {
      active -= 1;
      const control = entry.spec.flowControl;
      if (control) {
        const flow = flows.get(control.key);
        if (flow) {
          flow.active -= 1;
          pumpFlow(flow);
        }
      }
      while (!closing() && active < maxInFlight && globalReady.length > 0) {
        const next = globalReady.shift()!;
        if (next.cancelled) continue;
        active += 1;
        start(next);
      }
    },

    /** An attempt aborted by close(): only the in-flight count goes down. */
    dropAborted(): void {
      active -= 1;
    },

    setQueue(name: string, parallelism: number, paused: boolean): void {
      const queue = queueState(name);
      queue.parallelism = parallelism;
      queue.paused = paused;
      pumpQueue(queue);
    },

    forgetQueue(name: string): void {
      queues.delete(name);
    },

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
      const flow = flowState(key, { key, periodMs: 1000 });
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

    globalParallelism: () => ({ parallelismMax: maxInFlight, parallelismCount: active }),

    /** Stops the rate-limit wake-up timers. */
    clearTimers(): void {
      for (const flow of flows.values()) if (flow.wake) clearTimeout(flow.wake);
    },
  };
}

/** The gates' interface. */
export type Gates = ReturnType<typeof createGates>;
