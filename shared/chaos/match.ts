import { experimentOf } from '../telemetry/experiment.ts';
import { seamOf, type ChaosRule, type ChaosSeam, type ChaosSettings } from './rule.ts';

export { experimentHeader } from '../telemetry/experiment.ts';

/** Where a fault could be injected now. */
export interface ChaosPoint {
  readonly seam: ChaosSeam;
  /** The function injecting. */
  readonly service: string;
  /** The called service (`call`). */
  readonly dependency?: string;
  readonly method?: string;
  /** The concrete path of the request or call. */
  readonly path?: string;
  /** The request's or call's headers. */
  readonly headers?: Headers;
}

/** `/payments/:id/confirm` against `/payments/p-1/confirm`; `*` matches the rest. */
export function pathMatches(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  for (let index = 0; index < want.length; index += 1) {
    const segment = want[index]!;
    if (segment === '*') return true;
    const actual = got[index];
    if (actual === undefined) return false;
    if (segment.startsWith(':') ? actual === '' : segment !== actual) return false;
  }
  return want.length === got.length;
}

function routeMatches(route: string | undefined, point: ChaosPoint): boolean {
  if (!route) return true;
  const space = route.indexOf(' ');
  const method = space > 0 ? route.slice(0, space) : undefined;
  if (method && method !== point.method?.toUpperCase()) return false;
  return point.path !== undefined && pathMatches(route.slice(space + 1), point.path);
}

/** Whether a rule is in force at `now` (ms) and aims at `point`; the dice are rolled elsewhere. */
export function ruleMatches(rule: ChaosRule, point: ChaosPoint, now: number): boolean {
  if (now >= Date.parse(rule.expiresAt)) return false;
  if (rule.startsAt && now < Date.parse(rule.startsAt)) return false;
  if (seamOf(rule) !== point.seam) return false;
  if (rule.service && rule.service !== point.service) return false;
  if (point.seam === 'call' && rule.dependency !== point.dependency) return false;
  // The header on the first hop, the trace's tracestate on every call and delivery after it.
  if (rule.experiment && experimentOf(point.headers) !== rule.experiment) return false;
  return routeMatches(rule.route, point);
}

/**
 * The first rule (by id) in force for `point` whose dice roll hits, or undefined; none while the
 * kill switch is set. `random` is in [0, 1).
 */
export function pickRule(
  settings: ChaosSettings,
  point: ChaosPoint,
  now: number,
  random: () => number,
): { id: string; rule: ChaosRule } | undefined {
  if (settings.halt) return undefined;
  const ids = Object.keys(settings.rules).sort();
  for (const id of ids) {
    const rule = settings.rules[id]!;
    if (ruleMatches(rule, point, now) && random() * 100 < rule.percentage) return { id, rule };
  }
  return undefined;
}
