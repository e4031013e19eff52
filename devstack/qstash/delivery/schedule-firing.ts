import { parseCron } from '../cron.ts';
import type { Target } from '../destinations.ts';
import { messageEvent } from '../events.ts';
import type { PendingMessage } from '../message.ts';
import type { ScheduleRecord } from '../store/store.ts';
import type { WriteBatcher } from '../store/write-batch.ts';
import { scheduledMessages } from './message-builders.ts';

/** What schedule firing needs from the engine. */
export interface ScheduleFiringOptions {
  now: () => number;
  writer: WriteBatcher;
  resolveDestination: (destination: string) => Promise<Target[]>;
  nextSeq: () => number;
  /** Hands committed messages to the engine's timers and gates. */
  accepted: (messages: readonly PendingMessage[]) => void;
  closing: () => boolean;
  log: (line: string) => void;
}

/**
 * Fires schedules when their cron comes due: each firing writes the messages it publishes and
 * the schedule's next time in one write, so a restart neither skips nor repeats a firing.
 */
export function createScheduleFiring(options: ScheduleFiringOptions) {
  const { now, writer, log } = options;
  const schedules = new Map<string, ScheduleRecord>();
  let timer: NodeJS.Timeout | undefined;

  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (options.closing()) return;
    let next = Infinity;
    for (const schedule of schedules.values())
      if (!schedule.paused) next = Math.min(next, schedule.nextAt);
    if (next === Infinity) return;
    timer = setTimeout(() => void fireDue(), Math.max(0, Math.min(next - now(), 2 ** 31 - 1)));
  };

  async function fireDue() {
    const at = now();
    for (const schedule of [...schedules.values()]) {
      if (schedule.paused || schedule.nextAt > at) continue;
      await fire(schedule, at).catch((error: unknown) =>
        log(`qstash: schedule ${schedule.id} failed to fire: ${(error as Error).message}`),
      );
    }
    arm();
  }

  async function fire(schedule: ScheduleRecord, at: number) {
    const nextAt = parseCron(schedule.cron).next(at);
    let messages: PendingMessage[] = [];
    try {
      const targets = await options.resolveDestination(schedule.destination);
      messages = scheduledMessages(schedule, targets, at, options.nextSeq);
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
    options.accepted(messages);
  }

  return {
    set(record: ScheduleRecord): void {
      schedules.set(record.id, record);
      arm();
    },
    delete(id: string): void {
      schedules.delete(id);
      arm();
    },
    get: (id: string): ScheduleRecord | undefined => schedules.get(id),
    list: (): ScheduleRecord[] => [...schedules.values()],
    close(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
