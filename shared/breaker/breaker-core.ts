import type { BreakerTransition } from './breaker-types.ts';
import type { BreakerMachine } from './machine.ts';
import type { BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';
import { emptyWindow } from './window.ts';

/** What {@link createBreakerCore} needs: the breaker's scope, store, machine and hooks. */
export interface BreakerCoreOptions {
  readonly scope: string;
  readonly store: BreakerStore;
  readonly machine: BreakerMachine;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly log: (line: string) => void;
  readonly onTransition?: ((transition: BreakerTransition) => void) | undefined;
}

/** One isolate's cached copy of a shared breaker state, and the store calls that keep it current. */
export interface BreakerCore extends BreakerCoreOptions {
  /** The shared state as this isolate last saw or made it. */
  cached: BreakerState;
  /** When the shared state was last loaded, ms since the epoch (-Infinity: never). */
  fetchedAt: number;
  /** The load in flight, if any; concurrent refreshes share it. */
  refreshing: Promise<BreakerState> | undefined;
  /** Transitions seen so far, by `FROM->TO`. */
  readonly counts: Record<string, number>;
  /** Takes `next` as the cached state unless it is older; logs and reports a change of kind. */
  adopt(next: BreakerState, source: 'local' | 'shared'): void;
  /** Reloads the shared state (one load at a time) and returns the cached state after it. */
  refresh(signal?: AbortSignal): Promise<BreakerState>;
  /** Runs `task` inside `waitUntil`, logging (never throwing) a store error. */
  background(task: () => Promise<unknown>): void;
  /** Publishes a transition; if another isolate got there first, adopts the shared state. */
  publish(next: BreakerState, signal?: AbortSignal): Promise<BreakerState>;
}

/** The shared part of one isolate's breaker, starting CLOSED at epoch 0 and never loaded. */
export function createBreakerCore(options: BreakerCoreOptions): BreakerCore {
  const { scope, store, machine, now, waitUntil, log, onTransition } = options;
  const core: BreakerCore = {
    ...options,
    cached: machine.initial(now()),
    fetchedAt: Number.NEGATIVE_INFINITY,
    refreshing: undefined,
    counts: {},
    adopt(next, source) {
      const previous = core.cached;
      if (next.epoch < previous.epoch) return;
      if (next.epoch === previous.epoch && source === 'shared') return;
      const normalised: BreakerState =
        next.kind === 'CLOSED' && next.window.type !== machine.options.windowType
          ? { ...next, window: emptyWindow(machine.options.windowType) }
          : next;
      core.cached = normalised;
      if (previous.kind !== normalised.kind) {
        const transition: BreakerTransition = {
          scope,
          from: previous.kind,
          to: normalised.kind,
          epoch: normalised.epoch,
          at: now(),
          source,
        };
        const name = `${transition.from}->${transition.to}`;
        core.counts[name] = (core.counts[name] ?? 0) + 1;
        log(JSON.stringify({ event: 'breaker.transition', ...transition }));
        onTransition?.(transition);
      }
    },
    refresh(signal) {
      core.refreshing ??= (async () => {
        try {
          const shared = await store.load(scope, signal);
          core.fetchedAt = now();
          if (shared) core.adopt(shared, 'shared');
          return core.cached;
        } finally {
          core.refreshing = undefined;
        }
      })();
      return core.refreshing;
    },
    background(task) {
      waitUntil(
        task().catch((error: unknown) => {
          log(JSON.stringify({ event: 'breaker.store-error', scope, error: String(error) }));
        }),
      );
    },
    async publish(next, signal) {
      if (await store.transition(scope, next, signal)) {
        core.adopt(next, 'local');
        return core.cached;
      }
      return core.refresh(signal);
    },
  };
  return core;
}
