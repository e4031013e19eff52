import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';
import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { createOutboxRelay } from '../../../../shared/event-store/outbox-relay.ts';
import {
  defineSaga,
  StepRejectedError,
  type SagaDefinition,
  type StepDefinition,
} from '../../../../shared/saga/definition.ts';
import { sagaEventSchemas } from '../../../../shared/saga/events.ts';
import {
  createSagaOrchestrator,
  type SagaFaultPoint,
  type SagaFaults,
  type SagaOrchestrator,
} from '../../../../shared/saga/orchestrator.ts';
import { sagaRoutes } from '../../../../shared/saga/routes.ts';
import { memoryQstash } from './memory-qstash.ts';

const endpoint = 'https://orchestrator.test/saga/steps';

/** A participant that records effects by (saga, step), so duplicates show up as double effects. */
function ledger() {
  const effects = new Map<string, number>();
  const add = (key: string) => effects.set(key, (effects.get(key) ?? 0) + 1);
  return {
    effects,
    /** Idempotent: a second call for the same key changes nothing. */
    apply(key: string) {
      if (!effects.has(key)) add(key);
    },
    undo(key: string) {
      if (effects.has(key)) effects.delete(key);
      effects.set(`undone:${key}`, 1);
    },
    held: () => [...effects.keys()].filter((key) => !key.startsWith('undone:')),
  };
}

type Input = { amount: number };

interface Behaviour {
  rejectAt?: string;
  failTimes?: Record<string, number>;
  alwaysFail?: string;
}

function threeSteps(book: ReturnType<typeof ledger>, behaviour: Behaviour = {}) {
  const failures = new Map(Object.entries(behaviour.failTimes ?? {}));
  const step = (
    name: string,
    extra: Partial<StepDefinition<Input>> = {},
  ): StepDefinition<Input> => ({
    name,
    retry: { maxAttempts: 3, backoffMs: 1 },
    action: (ctx) => {
      if (behaviour.rejectAt === name) {
        return Promise.reject(new StepRejectedError(`${name}_refused`, `${name} refused`));
      }
      if (behaviour.alwaysFail === name) return Promise.reject(new Error(`${name} is down`));
      const left = failures.get(name) ?? 0;
      if (left > 0) {
        failures.set(name, left - 1);
        return Promise.reject(new Error(`${name} hiccup`));
      }
      book.apply(`${ctx.sagaId}:${name}`);
      return Promise.resolve({ done: name, amount: ctx.input.amount });
    },
    compensation: (ctx) => {
      book.undo(`${ctx.sagaId}:${name}`);
      return Promise.resolve();
    },
    ...extra,
  });
  return defineSaga<Input>({
    name: 'three-steps',
    deadlineMs: 30_000,
    steps: [
      step('reserve'),
      step('charge'),
      step('ship', { irreversible: true, compensation: undefined }),
    ],
  });
}

let clock = Date.parse('2026-11-26T12:00:00Z');

function harness(definition: SagaDefinition<Input>, faults?: SagaFaults, maxInline?: number) {
  const store = memoryEventStore({ schemas: sagaEventSchemas, now: () => clock });
  const pending: Promise<unknown>[] = [];
  const app = new Hono();
  // A delivery answers, then what it left to waitUntil (the next steps, inline) runs to its end.
  const qstash = memoryQstash(async (url, init) => {
    const response = await app.request(new URL(url).pathname, init);
    while (pending.length > 0) await Promise.all(pending.splice(0));
    return response;
  });
  const relay = createOutboxRelay({ store, publisher: qstash.publish });
  const orchestrator: SagaOrchestrator<Input> = createSagaOrchestrator({
    definition,
    store,
    endpoint,
    now: () => clock,
    ...(faults ? { faults } : {}),
    ...(maxInline ? { maxInline } : {}),
  });
  app.route('/saga', sagaRoutes(orchestrator, { relay, waitUntil: (p) => void pending.push(p) }));
  return {
    store,
    qstash,
    orchestrator,
    app,
    pending,
    async start(sagaId: string, input: Input) {
      const result = await orchestrator.start(sagaId, input);
      if (result.status === 'appended') await orchestrator.drive(result.outbox, { relay });
    },
    /** What the scheduled outbox sweep does after a crash lost a relay. */
    async sweep() {
      await relay.sweep({ minAgeMs: 0 });
    },
  };
}

/** Throws once at each listed fault point of every (saga, message, step): a crash there. */
function crashOnceAt(points: readonly SagaFaultPoint[]): SagaFaults {
  const crashed = new Set<string>();
  return (point, at) => {
    if (!points.includes(point)) return;
    const key = `${point}:${at.sagaId}:${at.kind}:${at.index ?? '-'}`;
    if (crashed.has(key)) return;
    crashed.add(key);
    throw new Error(`injected crash at ${key}`);
  };
}

beforeEach(() => {
  clock = Date.parse('2026-11-26T12:00:00Z');
});

describe('saga orchestrator', () => {
  it('runs every step in order and completes, with a timeline of attempts and times', async () => {
    const book = ledger();
    const h = harness(threeSteps(book));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-1', { amount: 5 });
    await qstash.drain();
    expect(book.held()).toEqual(['s-1:reserve', 's-1:charge', 's-1:ship']);
    const timeline = await orchestrator.timeline('s-1');
    expect(timeline).toMatchObject({
      sagaId: 's-1',
      saga: 'three-steps',
      status: 'completed',
      steps: [
        { name: 'reserve', status: 'succeeded', attempts: 1, irreversible: false },
        { name: 'charge', status: 'succeeded', attempts: 1 },
        { name: 'ship', status: 'succeeded', attempts: 1, irreversible: true },
      ],
    });
    expect(timeline?.steps.every((step) => step.startedAt && step.endedAt)).toBe(true);
  });

  it('runs a healthy saga inline: QStash carries only its deadline, the sweep finds nothing', async () => {
    const book = ledger();
    const h = harness(threeSteps(book));
    await h.start('s-11', { amount: 5 });
    expect(book.held()).toEqual(['s-11:reserve', 's-11:charge', 's-11:ship']);
    expect(h.qstash.queue.map((item) => (item.body as { kind: string }).kind)).toEqual([
      'deadline',
    ]);
    expect(await h.store.claimOutbox({ minAgeMs: 0 })).toEqual([]);
  });

  it('hands sagas over the inline limit to QStash under flow control, and they still complete', async () => {
    const book = ledger();
    const h = harness(threeSteps(book), undefined, 1);
    await Promise.all(['s-21', 's-22', 's-23'].map((id) => h.start(id, { amount: 5 })));
    const handedOver = h.qstash.queue.filter(
      (item) => (item.body as { kind: string }).kind === 'step',
    );
    expect(handedOver).toHaveLength(2);
    for (const item of handedOver) {
      expect(item.headers).toMatchObject({
        'Upstash-Flow-Control-Key': 'saga-three-steps',
        'Upstash-Flow-Control-Value': 'parallelism=1',
      });
    }
    await h.qstash.drain();
    for (const id of ['s-21', 's-22', 's-23']) {
      expect((await h.orchestrator.timeline(id))?.status).toBe('completed');
    }
  });

  it('acknowledges a late copy of a step that already ran without running it again', async () => {
    const book = ledger();
    let calls = 0;
    const definition = threeSteps(book);
    const reserve = definition.steps[0]!;
    const counted: StepDefinition<Input> = {
      ...reserve,
      action: (ctx) => ((calls += 1), reserve.action(ctx)),
    };
    const h = harness({ ...definition, steps: [counted, ...definition.steps.slice(1)] });
    const result = await h.orchestrator.start('s-12', { amount: 5 });
    if (result.status !== 'appended') throw new Error('not started');
    const first = result.outbox.find((row) => (row.body as { kind: string }).kind === 'step')!;
    await h.orchestrator.drive(result.outbox, {
      relay: createOutboxRelay({ store: h.store, publisher: h.qstash.publish }),
    });
    await h.qstash.publish({ ...first, id: 'late-copy' }, AbortSignal.timeout(1000));
    await h.qstash.drain();
    expect(h.qstash.log.map((entry) => entry.status)).toEqual([200]);
    expect(calls).toBe(1);
    expect((await h.orchestrator.timeline('s-12'))?.status).toBe('completed');
  });

  it('compensates the steps that ran, in reverse order, when a step is refused', async () => {
    const book = ledger();
    const h = harness(threeSteps(book, { rejectAt: 'charge' }));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-2', { amount: 5 });
    await qstash.drain();
    expect(book.held()).toEqual([]);
    const types = (await store.readStream('saga-s-2')).map((event) => event.type);
    expect(types).toEqual([
      'SagaStarted',
      'StepSucceeded',
      'StepFailed',
      'CompensationSucceeded',
      'CompensationSucceeded',
      'SagaAborted',
    ]);
    const compensated = (await store.readStream('saga-s-2'))
      .filter((event) => event.type === 'CompensationSucceeded')
      .map((event) => (event.data as { step: string }).step);
    expect(compensated).toEqual(['charge', 'reserve']);
    expect(await orchestrator.timeline('s-2')).toMatchObject({
      status: 'aborted',
      reason: 'charge_refused',
      steps: [
        { name: 'reserve', status: 'compensated' },
        { name: 'charge', status: 'compensated', reason: 'charge_refused' },
        { name: 'ship', status: 'pending' },
      ],
    });
  });

  it('retries a failing step through QStash and records how many attempts it took', async () => {
    const book = ledger();
    const h = harness(threeSteps(book, { failTimes: { charge: 2 } }));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-3', { amount: 5 });
    await qstash.drain();
    const timeline = await orchestrator.timeline('s-3');
    expect(timeline?.status).toBe('completed');
    expect(timeline?.steps[1]).toMatchObject({ name: 'charge', attempts: 3 });
  });

  it('aborts with retries_exhausted when a step keeps failing, and is never left running', async () => {
    const book = ledger();
    const h = harness(threeSteps(book, { alwaysFail: 'charge' }));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-4', { amount: 5 });
    await qstash.drain();
    expect(book.held()).toEqual([]);
    expect(await orchestrator.timeline('s-4')).toMatchObject({
      status: 'aborted',
      reason: 'retries_exhausted',
      steps: [
        { status: 'compensated' },
        { status: 'compensated', attempts: 3 },
        { status: 'pending' },
      ],
    });
  });

  it('ends aborted through the failure callback when the handler crashes on every attempt', async () => {
    const book = ledger();
    const faults: SagaFaults = (point, at) => {
      if (point === 'before-action' && at.kind === 'step' && at.index === 1) {
        throw new Error('handler process dies');
      }
    };
    const h = harness(threeSteps(book), faults);
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-5', { amount: 5 });
    // The inline run died: its step's row waits for the sweep, then QStash retries and gives up.
    await h.sweep();
    await qstash.drain();
    expect(book.held()).toEqual([]);
    expect(await orchestrator.timeline('s-5')).toMatchObject({
      status: 'aborted',
      reason: 'retries_exhausted',
    });
  });

  const points: SagaFaultPoint[] = [
    'before-action',
    'after-action',
    'after-commit',
    'before-ack',
    'before-inline',
  ];
  it.each(points)('resumes after a crash at %s of every step and ends completed', async (point) => {
    const book = ledger();
    const h = harness(threeSteps(book), crashOnceAt([point]));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-6', { amount: 5 });
    await qstash.drain();
    // A crash after commit loses the relay: the scheduled outbox sweep publishes what it left.
    for (let round = 0; round < 5; round += 1) {
      await h.sweep();
      await qstash.drain();
    }
    expect(book.held()).toEqual(['s-6:reserve', 's-6:charge', 's-6:ship']);
    expect((await orchestrator.timeline('s-6'))?.status).toBe('completed');
  });

  it.each(points)(
    'compensates exactly once after a crash at %s of every message of a refused saga',
    async (point) => {
      const book = ledger();
      const h = harness(threeSteps(book, { rejectAt: 'ship' }), crashOnceAt([point]));
      const { orchestrator, qstash, store } = h;
      void store;
      await h.start('s-7', { amount: 5 });
      await qstash.drain();
      for (let round = 0; round < 6; round += 1) {
        await h.sweep();
        await qstash.drain();
      }
      expect(book.held()).toEqual([]);
      expect(book.effects.get('s-7:reserve')).toBeUndefined();
      expect(await orchestrator.timeline('s-7')).toMatchObject({
        status: 'aborted',
        reason: 'ship_refused',
      });
    },
  );

  it('reaches the same outcome when every message is delivered twice', async () => {
    const book = ledger();
    const once = harness(threeSteps(book, { rejectAt: 'ship' }));
    await once.start('s-8', { amount: 5 });
    await once.qstash.drain();
    const twiceBook = ledger();
    const twice = harness(threeSteps(twiceBook, { rejectAt: 'ship' }));
    await twice.start('s-8', { amount: 5 });
    await twice.qstash.drain({ times: 2 });
    const typesOf = async (store: typeof once.store) =>
      (await store.readStream('saga-s-8')).map((event) => event.type);
    expect(await typesOf(twice.store)).toEqual(await typesOf(once.store));
    expect(twiceBook.held()).toEqual([]);
    expect(twice.qstash.log.filter((entry) => entry.status === 200)).toHaveLength(
      2 * once.qstash.log.length,
    );
  });

  it('aborts with reason timeout when the deadline passes before the pivot', async () => {
    const book = ledger();
    const h = harness(threeSteps(book, { alwaysFail: 'charge' }));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-9', { amount: 5 });
    // The first step ran inline; the second failed inline and once through QStash, and is
    // still failing when the deadline message arrives.
    await qstash.drain({ maxDeliveries: 0 }).catch(() => {});
    qstash.fireDelayed();
    const deadline = qstash.queue.filter(
      (item) => (item.body as { kind: string }).kind === 'deadline',
    );
    expect(deadline).toHaveLength(1);
    qstash.queue.sort((a) => ((a.body as { kind: string }).kind === 'deadline' ? -1 : 1));
    await qstash.drain();
    expect(book.held()).toEqual([]);
    expect(await orchestrator.timeline('s-9')).toMatchObject({
      status: 'aborted',
      reason: 'timeout',
    });
  });

  it('ignores the deadline once the irreversible step is current', async () => {
    const book = ledger();
    const h = harness(threeSteps(book));
    const { orchestrator, qstash, store } = h;
    void store;
    await h.start('s-10', { amount: 5 });
    await qstash.drain();
    qstash.fireDelayed();
    await qstash.drain();
    expect((await orchestrator.timeline('s-10'))?.status).toBe('completed');
    expect(book.held()).toHaveLength(3);
  });

  it('answers a malformed message 489 non-retryable and an unsigned one 401', async () => {
    const book = ledger();
    const h = harness(threeSteps(book));
    const poisoned = await h.app.request('/saga/steps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'step', saga: 'three-steps' }),
    });
    expect(poisoned.status).toBe(489);
    expect(poisoned.headers.get('upstash-nonretryable-error')).toBe('true');
    const signed = new Hono().route(
      '/saga',
      sagaRoutes(h.orchestrator, { verify: () => Promise.resolve(false) }),
    );
    signed.onError(problemErrorHandler({ onServerError: () => {} }));
    const unsigned = await signed.request('/saga/steps', { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(book.held()).toEqual([]);
  });
});
