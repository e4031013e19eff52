import { DueHeap } from './due-heap.ts';
import type { Entry } from './entry.ts';

/** What the due timer needs from the engine. */
export interface DueTimerOptions {
  now: () => number;
  /** Puts a due entry through the gates. */
  admit: (entry: Entry) => void;
  closing: () => boolean;
}

/** Holds entries until their `dueAt`, with one timer armed for the earliest, then admits them. */
export function createDueTimer({ now, admit, closing }: DueTimerOptions) {
  const heap = new DueHeap<Entry>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;

  const arm = () => {
    const next = heap.peek();
    if (!next || closing()) return;
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

  return {
    /** Admits the entry now if it is due, else waits for its `dueAt`. */
    enqueue(entry: Entry): void {
      if (entry.dueAt <= now()) {
        admit(entry);
      } else {
        entry.phase = 'waiting';
        heap.push(entry);
        arm();
      }
    },
    /** Stops the timer. */
    clear(): void {
      if (timer) clearTimeout(timer);
    },
  };
}

/** The due timer's interface. */
export type DueTimer = ReturnType<typeof createDueTimer>;
