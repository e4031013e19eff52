import type { BreakerState } from './state.ts';
import type { BreakerStore } from './store.ts';
import { emptyWindow, recordOutcomes, type WindowState } from './window.ts';

interface Scope {
  state?: BreakerState;
  windows: Map<number, WindowState>;
  probesGranted: Map<number, number>;
  probes: Map<number, string>;
}

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
    async load(scope, signal) {
      signal?.throwIfAborted();
      const state = scopeOf(scope).state;
      return state === undefined ? undefined : structuredClone(state);
    },
    async transition(scope, next, signal) {
      signal?.throwIfAborted();
      const entry = scopeOf(scope);
      if ((entry.state?.epoch ?? 0) >= next.epoch) return false;
      entry.state = structuredClone(next);
      return true;
    },
    async record(scope, epoch, outcomes, spec, now, signal) {
      signal?.throwIfAborted();
      const entry = scopeOf(scope);
      const window = recordOutcomes(entry.windows.get(epoch) ?? emptyWindow(spec.type), outcomes, spec.size, now);
      entry.windows.set(epoch, window);
      return structuredClone(window);
    },
    async acquireProbe(scope, epoch, budget, _leaseMs, signal) {
      signal?.throwIfAborted();
      const entry = scopeOf(scope);
      const granted = (entry.probesGranted.get(epoch) ?? 0) + 1;
      entry.probesGranted.set(epoch, granted);
      return granted <= budget;
    },
    async recordProbe(scope, epoch, code, _leaseMs, signal) {
      signal?.throwIfAborted();
      const entry = scopeOf(scope);
      const probes = (entry.probes.get(epoch) ?? '') + code;
      entry.probes.set(epoch, probes);
      return probes;
    },
  };
}
