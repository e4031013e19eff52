import type { Telemetry } from '../telemetry/telemetry.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import { pickRule, type ChaosPoint } from './match.ts';
import type { ChaosSettings, Fault } from './rule.ts';

/** A fault chosen for one point: the rule's id and what it does. */
export interface Injection {
  readonly rule: string;
  readonly fault: Fault;
}

/** Options of {@link createChaos}. */
export interface ChaosOptions {
  /** The function injecting (rules may target it by name). */
  service: string;
  /** The chaos settings in force (the live settings' `chaos`), read on every pick. */
  settings: () => ChaosSettings;
  telemetry: Telemetry;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Picks the faults of one function from the rules in force and records each one injected. */
export interface Chaos {
  readonly service: string;
  /**
   * The fault to inject at `point` now, or undefined. A fault picked is counted in
   * `chaos_injected_total{service,rule,kind}` and is a `chaos injected` span event: on `scope`
   * when given, else on a span of its own, child of the trace in `point.headers` when any.
   */
  pick(point: ChaosPoint, scope?: TraceScope): Injection | undefined;
}

/**
 * The chaos of one function's isolate. Build it only where the environment allows chaos
 * (`chaosAllowed`); without it nothing is ever injected.
 * @example const chaos = createChaos({ service: 'orders', settings: () => cache.current().chaos, telemetry });
 */
export function createChaos({
  service,
  settings,
  telemetry,
  now = Date.now,
  random = Math.random,
}: ChaosOptions): Chaos {
  const injected = telemetry.metrics.counter(
    'chaos_injected_total',
    'Faults injected by chaos rules, by rule and kind.',
    ['service', 'rule', 'kind'],
  );
  return {
    service,
    pick(point, scope) {
      const found = pickRule(settings(), point, now(), random);
      if (!found) return undefined;
      const { kind } = found.rule.fault;
      injected.inc({ service, rule: found.id, kind });
      const attributes = { 'chaos.rule': found.id, 'chaos.kind': kind, 'chaos.seam': point.seam };
      if (scope) {
        scope.span.addEvent('chaos injected', attributes);
      } else {
        const own = telemetry.startScope(`chaos ${kind}`, point.headers ?? {});
        own.span.addEvent('chaos injected', attributes);
        own.span.end();
      }
      return { rule: found.id, fault: found.rule.fault };
    },
  };
}
