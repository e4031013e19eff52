import type { PendingMessage } from '../message.ts';

/** A pending message as the engine tracks it between the timers, the gates and an attempt. */
export interface Entry extends PendingMessage {
  phase: 'waiting' | 'ready' | 'inflight' | 'done';
  cancelled: boolean;
  holdsQueueSlot: boolean;
}
