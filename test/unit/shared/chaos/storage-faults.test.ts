// A fault on a Postgres statement is an event on the span of the request it belongs to, not a
// span of its own apart from the work it broke.
import { describe, expect, it } from 'vitest';
import {
  chaosEventStore,
  chaosSettingsSchema,
  createChaos,
} from '../../../../shared/chaos/index.ts';
import { memoryEventStore } from '../../../../shared/event-store/index.ts';
import { recordingTelemetry } from '../../../support/recording-telemetry.ts';

describe('faults on Postgres', () => {
  it('records the fault on the request’s span', async () => {
    const { telemetry, spans } = recordingTelemetry('payments');
    const settings = chaosSettingsSchema.parse({
      rules: {
        slow: {
          fault: { kind: 'latency', ms: 1 },
          dependency: 'postgres',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      },
    });
    const chaos = createChaos({ service: 'payments', settings: () => settings, telemetry });
    const store = chaosEventStore(memoryEventStore(), chaos);
    const scope = telemetry.startScope('POST /payments', {});
    await store.readStream('payment-1', { trace: scope });
    scope.span.end();
    await telemetry.flush();
    expect(spans.map((span) => span.name)).toEqual(['POST /payments']);
    expect(spans[0]!.events).toEqual([
      expect.objectContaining({
        name: 'chaos injected',
        attributes: { 'chaos.rule': 'slow', 'chaos.kind': 'latency', 'chaos.seam': 'postgres' },
      }),
    ]);
  });
});
