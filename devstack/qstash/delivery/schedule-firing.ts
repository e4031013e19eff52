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

/** How long a schedule whose firing failed waits before it tries again, ms. */
const scheduleRetryMs = 1000;

/**
 * Fires schedules when their cron comes due: each firing writes the messages it publishes and
 * the schedule's next time in one write, so a restart neither skips nor repeats a firing.
 */
export function createScheduleFiring(options: ScheduleFiringOptions) {
  const { now, writer, log } = options;
  const schedules = new Map<string, ScheduleRecord>();
  /** Schedules whose last firing failed, and when to try again. */
  const retryAt = new Map<string, number>();
  const dueAt = (schedule: ScheduleRecord) =>
    Math.max(schedule.nextAt, retryAt.get(schedule.id) ?? 0);
  let timer: NodeJS.Timeout | undefined;

  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (options.closing()) return;
    let next = Infinity;
    for (const schedule of schedules.values())
      if (!schedule.paused) next = Math.min(next, dueAt(schedule));
    if (next === Infinity) return;
    timer = setTimeout(() => void fireDue(), Math.max(0, Math.min(next - now(), 2 ** 31 - 1)));
  };

  async function fireDue() {
    const at = now();
    for (const schedule of [...schedules.values()]) {
      if (schedule.paused || dueAt(schedule) > at) continue;
      await fire(schedule, at).then(
        () => retryAt.delete(schedule.id),
        (error: unknown) => {
          // Without a pause a schedule whose write fails (Postgres restarting) would fire again
          // at once, in a loop, until Postgres is back.
          retryAt.set(schedule.id, now() + scheduleRetryMs);
          log(`qstash: schedule ${schedule.id} failed to fire: ${(error as Error).message}`);
        },
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
      retryAt.delete(id);
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
