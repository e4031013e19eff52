import type { BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';
import { emptyWindow, recordOutcomes, type WindowState } from './window.ts';

interface Scope {
  state?: BreakerState;
  windows: Map<number, WindowState>;
  probesGranted: Map<number, number>;
  probes: Map<number, string>;
}

/** Runs `fn` on a later microtask, as an I/O-backed store would, turning throws into rejections. */
const later = <T>(fn: () => T): Promise<T> => Promise.resolve().then(fn);

/** In-memory BreakerStore; one instance shared by several breakers stands in for Redis in tests. */
export function memoryBreakerStore(): BreakerStore {
  const scopes = new Map<string, Scope>();
  const scopeOf = (name: string): Scope => {
    let scope = scopes.get(name);
    if (!scope) {
      scope = { windows: new Map(), probesGranted: new Map(), probes: new Map() };
      scopes.set(name, scope);
    }
    return scope;
  };
  return {
    load(scope, signal) {
      return later(() => {
        signal?.throwIfAborted();
        const state = scopeOf(scope).state;
        return state === undefined ? undefined : structuredClone(state);
      });
    },
    transition(scope, next, signal) {
      return later(() => {
        signal?.throwIfAborted();
        const entry = scopeOf(scope);
        if ((entry.state?.epoch ?? 0) >= next.epoch) return false;
        entry.state = structuredClone(next);
        return true;
      });
    },
    record(scope, epoch, outcomes, spec, now, signal) {
      return later(() => {
        signal?.throwIfAborted();
        const entry = scopeOf(scope);
        const window = recordOutcomes(
          entry.windows.get(epoch) ?? emptyWindow(spec.type),
          outcomes,
          spec.size,
          now,
        );
        entry.windows.set(epoch, window);
        return structuredClone(window);
      });
    },
    acquireProbe(scope, epoch, budget, _leaseMs, signal) {
      return later(() => {
        signal?.throwIfAborted();
        const entry = scopeOf(scope);
        const granted = (entry.probesGranted.get(epoch) ?? 0) + 1;
        entry.probesGranted.set(epoch, granted);
        return granted <= budget;
      });
    },
    recordProbe(scope, epoch, code, _leaseMs, signal) {
      return later(() => {
        signal?.throwIfAborted();
        const entry = scopeOf(scope);
        const probes = (entry.probes.get(epoch) ?? '') + code;
        entry.probes.set(epoch, probes);
        return probes;
      });
    },
  };
}
