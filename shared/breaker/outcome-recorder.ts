import type { Admission } from './admission.ts';
import type { BreakerCore } from './breaker-core.ts';
import type { BreakerStore } from './store.ts';
import { outcomeCode, type OutcomeCode, type TimedOutcome } from './window.ts';

/** Buffers call outcomes and writes them to the store in batches. */
export interface OutcomeRecorder {
  /** Writes buffered outcomes to the store and refreshes the cached state. */
  readonly flush: (signal?: AbortSignal) => Promise<void>;
  /** Records how an admitted call ended, publishing a trip or a probe verdict in the background. */
  readonly settle: (admission: Admission, failed: boolean, durationMs: number) => void;
}

/** Batching of outcomes: a batch waits `flushDelayMs` (ms) or until it holds `maxBatch` outcomes. */
export interface OutcomeRecorderOptions {
  readonly flushDelayMs: number;
  readonly maxBatch: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The outcome side of one isolate's breaker: buffer, batched flush, local trip, probe verdicts. */
export function createOutcomeRecorder(
  core: BreakerCore,
  { flushDelayMs, maxBatch }: OutcomeRecorderOptions,
): OutcomeRecorder {
  const { scope, store, machine, now } = core;
  const { windowType, windowSize, slowCallDurationMs, maxWaitInHalfOpenMs } = machine.options;
  let buffer: Array<TimedOutcome & { epoch: number }> = [];
  let flushScheduled = false;

  async function flush(signal?: AbortSignal): Promise<void> {
    const batch = buffer;
    buffer = [];
    const epochs = [...new Set(batch.map((entry) => entry.epoch))];
    const windows = new Map<number, Awaited<ReturnType<BreakerStore['record']>>>();
    for (const epoch of epochs) {
      const outcomes = batch.filter((entry) => entry.epoch === epoch);
      windows.set(
        epoch,
        await store.record(
          scope,
          epoch,
          outcomes,
          { type: windowType, size: windowSize },
          now(),
          signal,
        ),
      );
    }
    const state = await core.refresh(signal);
    const window = windows.get(state.epoch);
    if (state.kind !== 'CLOSED' || !window) return;
    const judged = machine.next(state, { type: 'window', window }, now());
    if (judged.kind === 'CLOSED') {
      core.cached = judged.epoch === core.cached.epoch ? judged : core.cached;
    } else await core.publish(judged, signal);
  }

  function scheduleFlush(): void {
    if (buffer.length >= maxBatch) {
      core.background(() => flush());
      return;
    }
    if (flushScheduled) return;
    flushScheduled = true;
    core.background(async () => {
      await sleep(flushDelayMs);
      flushScheduled = false;
      if (buffer.length > 0) await flush();
    });
  }

  function settleClosed(epoch: number, code: OutcomeCode): void {
    buffer.push({ code, at: now(), epoch });
    const cached = core.cached;
    if (cached.kind === 'CLOSED' && cached.epoch === epoch) {
      // This isolate's own view can trip before the next flush; publish it in the background.
      const judged = machine.next(cached, { type: 'outcome', code }, now());
      if (judged.kind === 'OPEN') {
        core.adopt(judged, 'local');
        core.background(async () => {
          await flush();
          await core.publish(judged);
        });
        return;
      }
      core.cached = judged;
    }
    scheduleFlush();
  }

  function settleProbe(epoch: number, code: OutcomeCode): void {
    core.background(async () => {
      const probes = await store.recordProbe(scope, epoch, code, maxWaitInHalfOpenMs);
      const state = core.cached.epoch === epoch ? core.cached : await core.refresh();
      if (state.kind !== 'HALF_OPEN' || state.epoch !== epoch) return;
      const judged = machine.next(state, { type: 'probes', probes }, now());
      if (judged !== state && judged.epoch !== state.epoch) await core.publish(judged);
    });
  }

  return {
    flush,
    settle: (admission, failed, durationMs) => {
      if (admission.kind === 'disabled') return;
      const code = outcomeCode(failed, durationMs, slowCallDurationMs);
      if (admission.kind === 'closed') settleClosed(admission.epoch, code);
      else settleProbe(admission.epoch, code);
    },
  };
}
