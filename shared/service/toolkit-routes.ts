import type { Hono } from 'hono';
import { EdgeMeshError } from '../errors/index.ts';
import { healthHandler } from '../health/index.ts';
import { operation } from '../openapi/index.ts';
import { readDeadLetters } from '../queue/index.ts';
import { subscriptionsOf, type ServiceDefinition } from './definition.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';
import { deadLettersDoc, healthDoc, sweepDoc } from './toolkit-docs.ts';

const minAgeLimitMs = 600_000;

/** `?minAgeMs=` of a sweep: whole ms up to 10 minutes, else a VALIDATION problem. */
function readMinAge(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > minAgeLimitMs) {
    throw new EdgeMeshError(
      'VALIDATION',
      `minAgeMs must be a whole number of ms up to ${minAgeLimitMs}.`,
      { issues: [{ path: 'query.minAgeMs', message: `expected 0 to ${minAgeLimitMs}` }] },
    );
  }
  return value;
}

/**
 * The routes every function gets: `GET /health`; with an outbox, the signed
 * `POST /outbox/sweep[?minAgeMs=]`; with subscriptions, `GET /dead-letters`.
 */
export function mountToolkitRoutes(
  app: Hono<ServiceEnv>,
  definition: ServiceDefinition,
  deps: ServiceDeps<object>,
): void {
  app.get('/health', operation(healthDoc), healthHandler(deps));

  if (definition.outbox) {
    app.post('/outbox/sweep', operation(sweepDoc), async (c) => {
      await deps.signedBody(c, 'The sweep');
      const relay = deps.outbox.relay;
      if (!relay) {
        throw new EdgeMeshError('UNAVAILABLE', 'No outbox publisher is configured (QSTASH_TOKEN).');
      }
      // `?minAgeMs=` relays younger rows too (after a known crash); default the relay's 10 s.
      const minAgeMs = readMinAge(c.req.query('minAgeMs'));
      const report = await relay.sweep({
        signal: c.req.raw.signal,
        ...(minAgeMs === undefined ? {} : { minAgeMs }),
      });
      return c.json(report, 200);
    });
  }

  const subscriptions = subscriptionsOf(definition);
  if (subscriptions.length > 0) {
    app.get('/dead-letters', operation(deadLettersDoc), async (c) => {
      const lists = await Promise.all(
        subscriptions.map((subscription) =>
          readDeadLetters(deps.events, subscription.name, { signal: c.req.raw.signal }),
        ),
      );
      const deadLetters = lists.flat().sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
      return c.json({ deadLetters }, 200);
    });
  }
}
