import { randomBytes } from 'node:crypto';
import { parseDuration } from '../durations.ts';
import { badInput } from '../input-error.ts';
import type { WriteBatcher } from '../store/write-batch.ts';
import { headerListsOf, headersOfLists, type Lookback, type Waiter } from './model.ts';
import type { RunRegistry } from './runs.ts';

/** What the waiter registry needs. */
export interface WaiterRegistryOptions {
  runs: RunRegistry;
  writer: WriteBatcher;
  now: () => number;
  log: (line: string) => void;
}

/** The body of `POST /v2/wait/{eventId}` as the SDK sends it. */
export interface WaitRequest {
  url: string;
  timeout: string;
  timeoutUrl?: string;
  timeoutBody?: string;
  timeoutHeaders?: Record<string, string[]>;
  step: Record<string, unknown>;
}

/** One waiter a notify reached. */
export interface Notified {
  waiter: ReturnType<typeof waiterJson>;
  messageId: string;
  workflowRunId: string;
  workflowCreatedAt: number;
}

/** A waiter as `/v2/waiters` and notify answers show it (deadline in unix seconds). */
export function waiterJson(waiter: Waiter) {
  return {
    url: waiter.url,
    headers: waiter.headers,
    deadline: Math.floor(waiter.deadline / 1000),
    timeoutUrl: waiter.timeoutUrl,
    timeoutHeaders: waiter.timeoutHeaders,
    ...(waiter.timeoutBody !== undefined ? { timeoutBody: waiter.timeoutBody } : {}),
    workflowRunId: waiter.runId,
  };
}

const eventStep = (waiter: Pick<Waiter, 'step' | 'eventId' | 'timeout'>, data?: Buffer) =>
  Buffer.from(
    JSON.stringify({
      ...waiter.step,
      waitEventId: waiter.eventId,
      timeout: waiter.timeout,
      ...(data ? { out: data.toString('base64'), waitTimeout: false } : { waitTimeout: true }),
    }),
  );

/** Headers of the wait request worth publishing the event step with. */
function publishHeadersOf(headers: Headers): Record<string, string[]> {
  const kept = new Headers();
  headers.forEach((value, name) => {
    if (name.startsWith('upstash-') || name === 'content-type') kept.append(name, value);
  });
  return headerListsOf(kept);
}

/**
 * `context.waitForEvent`: a waiter per wait step until a notify for its event id or its deadline,
 * each of which publishes the step's result into the run. A notify naming a run that is not
 * waiting yet is kept for that run's next wait on the event (lookback).
 */
export function createWaiterRegistry({ runs, writer, now, log }: WaiterRegistryOptions) {
  const waiters = new Map<string, Waiter>();
  const timers = new Map<string, NodeJS.Timeout>();
  const lookbacks = new Map<string, Lookback>();
  let closed = false;

  const forget = (id: string) => {
    waiters.delete(id);
    clearTimeout(timers.get(id));
    timers.delete(id);
  };

  const arm = (waiter: Waiter) => {
    if (closed) return;
    const wait = Math.max(0, Math.min(waiter.deadline - now(), 2 ** 31 - 1));
    timers.set(
      waiter.id,
      setTimeout(() => {
        timers.delete(waiter.id);
        if (waiter.deadline > now()) return arm(waiter);
        void expire(waiter.id).catch((error: unknown) =>
          log(`qstash: timing out waiter ${waiter.id} failed: ${(error as Error).message}`),
        );
      }, wait),
    );
  };

  async function expire(id: string): Promise<void> {
    const waiter = waiters.get(id);
    if (!waiter) return;
    await runs.lock.run([waiter.runId], async () => {
      if (!waiters.has(id)) return;
      await runs.appendLocked(
        waiter.runId,
        {
          url: waiter.timeoutUrl,
          headers: headersOfLists(waiter.timeoutHeaders),
          body: eventStep(waiter),
        },
        { waiterDeletes: [id] },
      );
      forget(id);
    });
  }

  /** Publishes the event into one waiter's run; the caller holds the run's lock. */
  async function deliverLocked(waiter: Waiter, data: Buffer): Promise<Notified> {
    const messageId = await runs.appendLocked(
      waiter.runId,
      { url: waiter.url, headers: headersOfLists(waiter.headers), body: eventStep(waiter, data) },
      { waiterDeletes: [waiter.id] },
    );
    forget(waiter.id);
    const run = runs.active(waiter.runId);
    return {
      waiter: waiterJson(waiter),
      messageId,
      workflowRunId: waiter.runId,
      workflowCreatedAt: run?.createdAt ?? 0,
    };
  }

  return {
    /** Takes back the waiters and kept notifications a previous start left. */
    load(saved: { waiters: readonly Waiter[]; lookbacks: readonly Lookback[] }): void {
      for (const waiter of saved.waiters) {
        waiters.set(waiter.id, waiter);
        arm(waiter);
      }
      for (const lookback of saved.lookbacks) lookbacks.set(lookback.id, lookback);
    },

    /** `POST /v2/wait/{eventId}` from a step of run `runId`. */
    async wait(runId: string, eventId: string, request: WaitRequest, headers: Headers) {
      if (typeof request.url !== 'string' || !request.step)
        throw badInput('a wait needs url and step');
      const timeoutMs = parseDuration(String(request.timeout ?? '7d'), 'timeout', 's');
      await runs.lock.run([runId], async () => {
        const run = runs.active(runId);
        if (!run) throw badInput(`workflow run ${runId} is not running`);
        const waiter: Waiter = {
          id: `wtr_${randomBytes(12).toString('base64url')}`,
          runId,
          eventId,
          url: request.url,
          deadline: now() + timeoutMs,
          headers: publishHeadersOf(headers),
          timeoutUrl: request.timeoutUrl ?? request.url,
          timeoutHeaders: request.timeoutHeaders ?? publishHeadersOf(headers),
          ...(request.timeoutBody !== undefined ? { timeoutBody: request.timeoutBody } : {}),
          step: request.step,
          timeout: String(request.timeout ?? '7d'),
        };
        const again = [...waiters.values()].some(
          (w) =>
            w.runId === runId &&
            w.eventId === eventId &&
            w.step.stepId === request.step.stepId &&
            w.step.targetStep === request.step.targetStep,
        );
        if (again) return; // the same wait step run twice (a retried delivery)
        const early = [...lookbacks.values()].find(
          (lookback) => lookback.runId === runId && lookback.eventId === eventId,
        );
        if (early) {
          await runs.appendLocked(
            runId,
            {
              url: waiter.url,
              headers: headersOfLists(waiter.headers),
              body: eventStep(waiter, early.data),
            },
            { lookbackDeletes: [early.id] },
          );
          lookbacks.delete(early.id);
          return;
        }
        await writer.write({ waiters: [waiter] });
        waiters.set(waiter.id, waiter);
        arm(waiter);
      });
    },

    /**
     * Delivers `data` to every waiter of `eventId` (of run `runId` only, when given). With a run
     * and no waiter, the event is kept for that run's next wait on it.
     */
    async notify(eventId: string, data: Buffer, runId?: string): Promise<Notified[]> {
      const matching = [...waiters.values()]
        .filter((w) => w.eventId === eventId && (runId === undefined || w.runId === runId))
        .sort((a, b) => a.deadline - b.deadline);
      const notified: Notified[] = [];
      for (const waiter of matching) {
        await runs.lock.run([waiter.runId], async () => {
          if (waiters.has(waiter.id)) notified.push(await deliverLocked(waiter, data));
        });
      }
      if (runId !== undefined && notified.length === 0) {
        await runs.lock.run([runId], async () => {
          if (!runs.active(runId)) return;
          const waiting = [...waiters.values()].find(
            (w) => w.eventId === eventId && w.runId === runId,
          );
          if (waiting) {
            notified.push(await deliverLocked(waiting, data));
            return;
          }
          const lookback: Lookback = {
            id: `lkb_${randomBytes(12).toString('base64url')}`,
            runId,
            eventId,
            data,
            createdAt: now(),
          };
          await writer.write({ lookbacks: [lookback] });
          lookbacks.set(lookback.id, lookback);
        });
      }
      return notified;
    },

    /** The waiters of an event, soonest deadline first. */
    list(eventId: string): Waiter[] {
      return [...waiters.values()]
        .filter((waiter) => waiter.eventId === eventId)
        .sort((a, b) => a.deadline - b.deadline);
    },

    /** What a run holds here, to delete when it ends. */
    ofRun(runId: string): { waiterDeletes: string[]; lookbackDeletes: string[] } {
      return {
        waiterDeletes: [...waiters.values()].filter((w) => w.runId === runId).map((w) => w.id),
        lookbackDeletes: [...lookbacks.values()].filter((l) => l.runId === runId).map((l) => l.id),
      };
    },

    /** Forgets what an ended run held (its rows went with the run's end). */
    forgetRun(runId: string): void {
      for (const waiter of [...waiters.values()]) if (waiter.runId === runId) forget(waiter.id);
      for (const lookback of [...lookbacks.values()])
        if (lookback.runId === runId) lookbacks.delete(lookback.id);
    },

    close(): void {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** The waiter registry's interface. */
export type WaiterRegistry = ReturnType<typeof createWaiterRegistry>;
