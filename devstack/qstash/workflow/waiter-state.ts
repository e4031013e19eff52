import type { WriteBatcher } from '../store/write-batch.ts';
import { headersOfLists, type Lookback, type Waiter } from './model.ts';
import type { RunRegistry } from './runs.ts';

/** What the waiter registry needs. */
export interface WaiterRegistryOptions {
  runs: RunRegistry;
  writer: WriteBatcher;
  now: () => number;
  log: (line: string) => void;
}

/** The waiters, their deadline timers and the kept notifications, shared by the registry's parts. */
export interface WaiterState extends WaiterRegistryOptions {
  waiters: Map<string, Waiter>;
  timers: Map<string, NodeJS.Timeout>;
  lookbacks: Map<string, Lookback>;
  closed: boolean;
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

/** The wait step's result as the run receives it: the event's data, or a timeout. */
export const eventStep = (waiter: Pick<Waiter, 'step' | 'eventId' | 'timeout'>, data?: Buffer) =>
  Buffer.from(
    JSON.stringify({
      ...waiter.step,
      waitEventId: waiter.eventId,
      timeout: waiter.timeout,
      ...(data ? { out: data.toString('base64'), waitTimeout: false } : { waitTimeout: true }),
    }),
  );

/** Drops a waiter and its deadline timer. */
export function forget(state: WaiterState, id: string): void {
  state.waiters.delete(id);
  clearTimeout(state.timers.get(id));
  state.timers.delete(id);
}

/** Arms the waiter's deadline timer; at the deadline its timeout step is published. */
export function arm(state: WaiterState, waiter: Waiter): void {
  if (state.closed) return;
  const { timers, now, log } = state;
  const wait = Math.max(0, Math.min(waiter.deadline - now(), 2 ** 31 - 1));
  timers.set(
    waiter.id,
    setTimeout(() => {
      timers.delete(waiter.id);
      if (waiter.deadline > now()) return arm(state, waiter);
      void expire(state, waiter.id).catch((error: unknown) =>
        log(`qstash: timing out waiter ${waiter.id} failed: ${(error as Error).message}`),
      );
    }, wait),
  );
}

async function expire(state: WaiterState, id: string): Promise<void> {
  const { waiters, runs } = state;
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
    forget(state, id);
  });
}

/** Publishes the event into one waiter's run; the caller holds the run's lock. */
export async function deliverLocked(
  state: WaiterState,
  waiter: Waiter,
  data: Buffer,
): Promise<Notified> {
  const { runs } = state;
  const messageId = await runs.appendLocked(
    waiter.runId,
    { url: waiter.url, headers: headersOfLists(waiter.headers), body: eventStep(waiter, data) },
    { waiterDeletes: [waiter.id] },
  );
  forget(state, waiter.id);
  const run = runs.active(waiter.runId);
  return {
    waiter: waiterJson(waiter),
    messageId,
    workflowRunId: waiter.runId,
    workflowCreatedAt: run?.createdAt ?? 0,
  };
}
