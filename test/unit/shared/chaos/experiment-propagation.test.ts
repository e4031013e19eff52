// An experiment's header on the first request travels on with the trace (tracestate), so a rule
// with `experiment` singles out that experiment's calls and deliveries downstream as well.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ruleMatches, type ChaosPoint } from '../../../../shared/chaos/index.ts';
import {
  createTelemetry,
  experimentOf,
  requestScope,
  telemetryMiddleware,
} from '../../../../shared/telemetry/index.ts';
import { recordingTelemetry } from '../../../support/recording-telemetry.ts';

const rule = {
  fault: { kind: 'error', status: 503 },
  experiment: 'exp-7',
  percentage: 100,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
} as const;

/** A function that answers the trace headers it would put on its calls and messages. */
function hop(spans: boolean) {
  const telemetry = spans
    ? recordingTelemetry('hop').telemetry
    : createTelemetry({ service: 'hop' });
  const app = new Hono();
  app.use(telemetryMiddleware(telemetry));
  app.get('/', (c) => {
    const scope = requestScope(c)!;
    return c.json({ call: scope.headers(), message: scope.forwardHeaders() });
  });
  return async (headers: Record<string, string>) => {
    const response = await app.request('/', { headers });
    return (await response.json()) as Record<'call' | 'message', Record<string, string>>;
  };
}

describe('the experiment header downstream', () => {
  it.each([true, false])(
    'rides the tracestate over two hops (spans exported: %s)',
    async (spans) => {
      const first = await hop(spans)({ 'x-chaos-experiment': 'exp-7' });
      expect(experimentOf(first.call)).toBe('exp-7');
      expect(experimentOf(first.message)).toBe('exp-7');
      // The next function sees only the trace headers, as a call or a QStash delivery carries them.
      const second = await hop(spans)(first.call);
      const call: ChaosPoint = {
        seam: 'call',
        service: 'hop',
        dependency: 'payments',
        headers: new Headers(second.call),
      };
      expect(ruleMatches({ ...rule, dependency: 'payments' }, call, Date.now())).toBe(true);
      const delivery: ChaosPoint = {
        seam: 'inbound',
        service: 'hop',
        headers: new Headers(first.call),
      };
      expect(ruleMatches(rule, delivery, Date.now())).toBe(true);
    },
  );

  it('leaves other traffic alone', async () => {
    const other = await hop(false)({ 'x-chaos-experiment': 'exp-8' });
    const plain = await hop(false)({});
    for (const headers of [other.call, plain.call]) {
      const point: ChaosPoint = { seam: 'inbound', service: 'hop', headers: new Headers(headers) };
      expect(ruleMatches(rule, point, Date.now())).toBe(false);
    }
  });
});
