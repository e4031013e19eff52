import type { FlowControl } from '../message.ts';
import type { Entry } from './entry.ts';

interface FlowState {
  control: FlowControl;
  pinned?: Partial<Pick<FlowControl, 'parallelism' | 'rate' | 'periodMs'>>;
  paused: boolean;
  active: number;
  starts: number[];
  ready: Entry[];
  wake?: NodeJS.Timeout;
}

const flowLimits = (flow: FlowState) => ({ ...flow.control, ...flow.pinned });

/** A flow-control key's limits and counts, as QStash's flow-control API reports them. */
function flowInfo(key: string, flow: FlowState | undefined, at: number) {
  const limits = flow ? flowLimits(flow) : undefined;
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
}

/** What the flow-control gate needs. */
export interface FlowGateOptions {
  now: () => number;
  /** The gate an entry goes to once its flow-control key lets it through. */
  next: (entry: Entry) => void;
}

/** The flow-control gate: per key, at most `parallelism` in flight and `rate` starts per period. */
export function createFlowGate({ now, next }: FlowGateOptions) {
  const flows = new Map<string, FlowState>();

  const flowState = (key: string, control: FlowControl): FlowState => {
    let flow = flows.get(key);
    if (!flow) {
      flow = { control, paused: false, active: 0, starts: [], ready: [] };
      flows.set(key, flow);
    }
    return flow;
  };

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
      next(entry);
    }
  }

  return {
    /** Waits for the entry's flow-control key, if it has one, then hands it on. */
    pass(entry: Entry): void {
      const control = entry.spec.flowControl;
      if (!control) return next(entry);
      const flow = flowState(control.key, control);
      flow.ready.push(entry);
      pumpFlow(flow);
    },

    /** Frees the flow-control slot of a finished attempt and lets the next one through. */
    release(entry: Entry): void {
      const control = entry.spec.flowControl;
      if (!control) return;
      const flow = flows.get(control.key);
      if (flow) {
        flow.active -= 1;
        pumpFlow(flow);
      }
    },

    info: (key: string) => flowInfo(key, flows.get(key), now()),

    /** Pause, resume, reset the rate window, or pin/unpin limits of a flow-control key. */
    control(
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

    /** Stops the rate-limit wake-up timers. */
    clearTimers(): void {
      for (const flow of flows.values()) if (flow.wake) clearTimeout(flow.wake);
    },
  };
}
