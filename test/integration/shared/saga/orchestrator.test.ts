import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Receiver } from '@upstash/qstash';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';
import { neonHttpEventStore } from '../../../../shared/event-store/neon.ts';
import { createOutboxRelay } from '../../../../shared/event-store/outbox-relay.ts';
import { outboxPublisher, qstashPublisher } from '../../../../shared/queue/index.ts';
import { createSql } from '../../../../shared/postgres/neon.ts';
import { defineSaga, StepRejectedError } from '../../../../shared/saga/definition.ts';
import { sagaEventSchemas } from '../../../../shared/saga/events.ts';
import {
  createSagaOrchestrator,
  type SagaFaults,
  type SagaOrchestrator,
} from '../../../../shared/saga/orchestrator.ts';
import { sagaRoutes } from '../../../../shared/saga/routes.ts';
import { receiverVerifier } from '../../../../shared/saga/verify.ts';

const vars = inject('devstackVars');
const sql = createSql({
  DATABASE_URL: vars.DATABASE_URL!,
  NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
  NEON_WS_PROXY: vars.NEON_WS_PROXY,
});
const store = neonHttpEventStore(sql, { schemas: sagaEventSchemas });
const effects: string[] = [];

type Input = { refuse: boolean };
const saga = defineSaga<Input>({
  name: 'integration-saga',
  steps: ['hold', 'charge', 'ship'].map((name) => ({
    name,
    retry: { maxAttempts: 4, backoffMs: 10 },
    action: (ctx) => {
      if (name === 'ship' && ctx.input.refuse) {
        return Promise.reject(new StepRejectedError('refused', 'ship refused'));
      }
      effects.push(`${ctx.sagaId}:${name}`);
      return Promise.resolve({ name });
    },
    compensation: (ctx) => {
      effects.push(`${ctx.sagaId}:undo-${name}`);
      return Promise.resolve();
    },
  })),
});

// Every message is handled and then the handler "dies" before answering once: QStash delivers
// each one again.
const crashed = new Set<string>();
const faults: SagaFaults = (point, at) => {
  const key = `${at.sagaId}:${at.kind}:${at.index ?? '-'}`;
  if (point !== 'before-ack' || crashed.has(key)) return;
  crashed.add(key);
  throw new Error(`crash before ack ${key}`);
};

let server: ServerType;
let orchestrator: SagaOrchestrator<Input>;
let relay: ReturnType<typeof createOutboxRelay>;

beforeAll(async () => {
  const app = new Hono();
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  relay = createOutboxRelay({
    store,
    publisher: outboxPublisher(
      qstashPublisher(new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN! })),
    ),
  });
  orchestrator = createSagaOrchestrator({
    definition: saga,
    store,
    endpoint: `http://127.0.0.1:${port}/saga/steps`,
    faults,
  });
  app.route(
    '/saga',
    sagaRoutes(orchestrator, {
      relay,
      verify: receiverVerifier(
        new Receiver({
          currentSigningKey: vars.QSTASH_CURRENT_SIGNING_KEY!,
          nextSigningKey: vars.QSTASH_NEXT_SIGNING_KEY!,
        }),
      ),
      waitUntil: (promise) => void promise.catch(() => {}),
    }),
  );
  app.onError(problemErrorHandler({ onServerError: () => {} }));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function terminal(sagaId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const timeline = await orchestrator.timeline(sagaId);
    if (timeline && (timeline.status === 'completed' || timeline.status === 'aborted')) {
      return timeline;
    }
    if (Date.now() > deadline) throw new Error(`saga ${sagaId} is ${timeline?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('saga orchestrator on Postgres and the devstack QStash', () => {
  it('completes through signed QStash deliveries; a redelivery after a lost ack runs nothing again', async () => {
    const sagaId = `it-${randomUUID()}`;
    const started = await orchestrator.start(sagaId, { refuse: false });
    if (started.status === 'appended') await relay.relay(started.outbox);
    const timeline = await terminal(sagaId);
    expect(timeline.status).toBe('completed');
    // Every delivery "died" once after its commit, so QStash delivered it again; the copy finds
    // its step already recorded and is acknowledged without running the action a second time.
    const steps = ['hold', 'charge', 'ship'].map((step) => `${sagaId}:${step}`);
    const runs = () => {
      const ran = effects.filter((effect) => effect.startsWith(sagaId));
      return steps.map((step) => ran.filter((effect) => effect === step).length);
    };
    const watchUntil = Date.now() + 3_000;
    while (runs().every((count) => count === 1) && Date.now() < watchUntil) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(runs()).toEqual([1, 1, 1]);
    const ran = effects.filter((effect) => effect.startsWith(sagaId));
    expect([...new Set(ran)]).toEqual(steps);
    const events = await store.readStream(`saga-${sagaId}`);
    expect(events.map((event) => event.type)).toEqual([
      'SagaStarted',
      'StepSucceeded',
      'StepSucceeded',
      'StepSucceeded',
      'SagaCompleted',
    ]);
  });

  it('compensates in reverse, and records each compensation once, when a step is refused', async () => {
    const sagaId = `it-${randomUUID()}`;
    const started = await orchestrator.start(sagaId, { refuse: true });
    if (started.status === 'appended') await relay.relay(started.outbox);
    expect(await terminal(sagaId)).toMatchObject({ status: 'aborted', reason: 'refused' });
    expect([...new Set(effects.filter((effect) => effect.startsWith(`${sagaId}:undo`)))]).toEqual([
      `${sagaId}:undo-ship`,
      `${sagaId}:undo-charge`,
      `${sagaId}:undo-hold`,
    ]);
    const compensations = (await store.readStream(`saga-${sagaId}`)).filter(
      (event) => event.type === 'CompensationSucceeded',
    );
    expect(compensations.map((event) => (event.data as { step: string }).step)).toEqual([
      'ship',
      'charge',
      'hold',
    ]);
  });

  it('records one outcome when the same message is handled twice at once', async () => {
    const sagaId = `it-${randomUUID()}`;
    const [message] = orchestrator.startMessages(
      sagaId,
      { refuse: false },
      {
        version: 0,
        at: new Date(),
      },
    );
    const body = message!.body as Parameters<typeof orchestrator.handle>[0];
    const results = await Promise.all([
      orchestrator.handle(body, { attempt: 1 }),
      orchestrator.handle(body, { attempt: 1 }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['advanced', 'duplicate']);
    const events = await store.readStream(`saga-${sagaId}`);
    expect(events.map((event) => event.type)).toEqual(['SagaStarted', 'StepSucceeded']);
  });
});
