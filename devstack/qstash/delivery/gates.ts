import type { FlowControl } from '../message.ts';
import type { Entry } from './entry.ts';
import { createFlowGate } from './flow-gate.ts';
import { createQueueGate } from './queue-gate.ts';

export type { Entry } from './entry.ts';

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

/**
 * The gates a due message passes before its attempt starts, in order: its queue (FIFO, at most
 * `parallelism` in flight, paused or not), its flow-control key (parallelism and rate per
 * period), then the server-wide in-flight cap.
 */
export function createGates({ now, maxInFlight, start, closing }: GateOptions) {
  const globalReady: Entry[] = [];
  let active = 0;

  function globalGate(entry: Entry) {
    if (closing()) return;
    if (active >= maxInFlight) {
      globalReady.push(entry);
      return;
    }
    active += 1;
    start(entry);
  }

  const flows = createFlowGate({ now, next: globalGate });
  const queues = createQueueGate((entry) => flows.pass(entry));

  return {
    /** Puts a due entry through its queue, its flow-control key and the in-flight cap. */
    admit(entry: Entry): void {
      if (closing()) return;
      entry.phase = 'ready';
      const name = entry.spec.queueName;
      if (name && !entry.holdsQueueSlot) {
        queues.pass(name, entry);
        return;
      }
      flows.pass(entry);
    },

    /** Frees the queue slot an entry held, so the next message of its queue may start. */
    releaseQueueSlot: (entry: Entry): void => queues.release(entry),

    /** Frees the flow-control and in-flight slots of a finished attempt and starts the next. */
    releaseSlots(entry: Entry): void {
      active -= 1;
      flows.release(entry);
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

    setQueue: (name: string, parallelism: number, paused: boolean): void =>
      queues.set(name, parallelism, paused),

    forgetQueue: (name: string): void => queues.forget(name),

    flowInfo: (key: string) => flows.info(key),

    /** Pause, resume, reset the rate window, or pin/unpin limits of a flow-control key. */
    controlFlow: (
      key: string,
      action: 'pause' | 'resume' | 'resetRate' | 'pin' | 'unpin',
      pin: Partial<Pick<FlowControl, 'parallelism' | 'rate' | 'periodMs'>> = {},
    ): void => flows.control(key, action, pin),

    globalParallelism: () => ({ parallelismMax: maxInFlight, parallelismCount: active }),

    /** Stops the rate-limit wake-up timers. */
    clearTimers: (): void => flows.clearTimers(),
  };
}

/** The gates' interface. */
export type Gates = ReturnType<typeof createGates>;
