import { randomBytes } from 'node:crypto';
import { parseDuration } from '../durations.ts';
import { badInput } from '../input-error.ts';
import { headerListsOf, headersOfLists, type Lookback, type Waiter } from './model.ts';
import {
  arm,
  deliverLocked,
  eventStep,
  forget,
  type Notified,
  type WaiterRegistryOptions,
  type WaiterState,
} from './waiter-state.ts';

export { waiterJson, type Notified, type WaiterRegistryOptions } from './waiter-state.ts';

/** The body of `POST /v2/wait/{eventId}` as the SDK sends it. */
export interface WaitRequest {
  url: string;
  timeout: string;
  timeoutUrl?: string;
  timeoutBody?: string;
  timeoutHeaders?: Record<string, string[]>;
  step: Record<string, unknown>;
}

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
export function createWaiterRegistry(options: WaiterRegistryOptions) {
  const state: WaiterState = {
    ...options,
    waiters: new Map(),
    timers: new Map(),
    lookbacks: new Map(),
    closed: false,
  };
  const { waiters, timers, lookbacks } = state;

  return {
    /** Takes back the waiters and kept notifications a previous start left. */
    load(saved: { waiters: readonly Waiter[]; lookbacks: readonly Lookback[] }): void {
      for (const waiter of saved.waiters) {
        waiters.set(waiter.id, waiter);
        arm(state, waiter);
      }
      for (const lookback of saved.lookbacks) lookbacks.set(lookback.id, lookback);
    },

    /** `POST /v2/wait/{eventId}` from a step of run `runId`. */
    wait: (runId: string, eventId: string, request: WaitRequest, headers: Headers) =>
      waitForEvent(state, runId, eventId, request, headers),

    /**
     * Delivers `data` to every waiter of `eventId` (of run `runId` only, when given). With a run
     * and no waiter, the event is kept for that run's next wait on it.
     */
    notify: (eventId: string, data: Buffer, runId?: string): Promise<Notified[]> =>
      notifyEvent(state, eventId, data, runId),

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
      for (const waiter of [...waiters.values()])
        if (waiter.runId === runId) forget(state, waiter.id);
      for (const lookback of [...lookbacks.values()])
        if (lookback.runId === runId) lookbacks.delete(lookback.id);
    },

    close(): void {
      state.closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** The waiter registry's interface. */
export type WaiterRegistry = ReturnType<typeof createWaiterRegistry>;

async function waitForEvent(
  state: WaiterState,
  runId: string,
  eventId: string,
  request: WaitRequest,
  headers: Headers,
) {
  const { runs, writer, now, waiters, lookbacks } = state;
  if (typeof request.url !== 'string' || !request.step) throw badInput('a wait needs url and step');
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
    arm(state, waiter);
  });
}

async function notifyEvent(
  state: WaiterState,
  eventId: string,
  data: Buffer,
  runId?: string,
): Promise<Notified[]> {
  const { runs, writer, now, waiters, lookbacks } = state;
  const matching = [...waiters.values()]
    .filter((w) => w.eventId === eventId && (runId === undefined || w.runId === runId))
    .sort((a, b) => a.deadline - b.deadline);
  const notified: Notified[] = [];
  for (const waiter of matching) {
    await runs.lock.run([waiter.runId], async () => {
      if (waiters.has(waiter.id)) notified.push(await deliverLocked(state, waiter, data));
    });
  }
  if (runId !== undefined && notified.length === 0) {
    await runs.lock.run([runId], async () => {
      if (!runs.active(runId)) return;
      const waiting = [...waiters.values()].find((w) => w.eventId === eventId && w.runId === runId);
      if (waiting) {
        notified.push(await deliverLocked(state, waiting, data));
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
}
