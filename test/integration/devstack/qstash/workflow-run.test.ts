import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/workflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  eventually,
  startWorkflowApp,
  workflowEnv,
  type Order,
  type WorkflowApp,
} from './workflow-app.ts';

let app: WorkflowApp;
let client: Client;

/** The run's log entry once it reached `state`. */
function settled(workflowRunId: string, state: string) {
  return eventually(async () => {
    const { runs } = await client.logs({ workflowRunId });
    expect(runs[0]?.workflowState).toBe(state);
    return runs[0]!;
  });
}

/** The waiters of `eventId` once there are `count`. */
function waitersOf(eventId: string, count = 1) {
  return eventually(async () => {
    const waiters = await client.getWaiters({ eventId });
    expect(waiters).toHaveLength(count);
    return waiters;
  });
}

const newOrder = (extra: Partial<Order> = {}): Order => ({
  orderId: randomUUID(),
  amount: 21,
  ...extra,
});

const trigger = (order: Order, extra: { workflowRunId?: string } = {}) =>
  client.trigger({
    url: `${app.url}/order`,
    body: order,
    headers: { 'x-tenant': 'acme' },
    label: 'checkout',
    ...extra,
  });

beforeAll(async () => {
  const env = workflowEnv(inject('devstackVars'));
  client = new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN });
  app = await startWorkflowApp(env);
});

afterAll(async () => {
  await app?.close();
});

describe.concurrent('an Upstash Workflow app (Hono adapter) on the devstack QStash', () => {
  it('runs steps, a context.call and a notified wait to completion, each step function once', async () => {
    const order = newOrder();
    const { workflowRunId } = await trigger(order);
    const eventId = `approve-${order.orderId}`;
    const [waiter] = await waitersOf(eventId);
    expect(waiter!.url).toBe(`${app.url}/order`);

    const notified = await client.notify({ eventId, eventData: { decision: 'ok', by: 'alice' } });
    expect(notified).toHaveLength(1);
    expect(notified[0]!.messageId).toMatch(/^msg_/);

    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(run.label).toBe('checkout');
    expect(JSON.parse(run.workflowRunResponse!)).toEqual({
      reservationId: `res-${order.orderId}`,
      total: 42,
      chargeStatus: 201,
      chargeId: `ch-${order.orderId}`,
      approvedBy: 'alice',
    });
    expect(run.steps.flatMap((group) => group.steps.map((step) => step.stepName))).toEqual([
      'reserve',
      'price',
      'charge',
      'approval',
      'confirm',
    ]);
    const seen = app.journal(order.orderId);
    expect(seen.executed).toEqual(['reserve', 'price', 'confirm']);
    expect(seen.calls).toEqual([
      { body: { orderId: order.orderId, amount: 42 }, header: `key-${order.orderId}` },
    ]);
    expect(new Set(seen.tenants)).toEqual(new Set(['acme']));
    expect(new Set(seen.labels)).toEqual(new Set(['checkout']));
    expect(await client.getWaiters({ eventId })).toEqual([]);
  });

  it('stops a run that cancels itself with context.cancel, before its later steps', async () => {
    const order = newOrder();
    const { workflowRunId } = await trigger(order);
    const eventId = `approve-${order.orderId}`;
    await waitersOf(eventId);
    await client.notify({ eventId, eventData: { decision: 'cancel', by: 'bob' } });

    await settled(workflowRunId, 'RUN_CANCELED');
    expect(app.journal(order.orderId).executed).toEqual(['reserve', 'price']);
  });

  it('cancels a waiting run with client.cancel: its waiter goes and a later notify reaches no one', async () => {
    const order = newOrder();
    const { workflowRunId } = await trigger(order);
    const eventId = `approve-${order.orderId}`;
    await waitersOf(eventId);

    await expect(client.cancel(workflowRunId)).resolves.toEqual({ cancelled: 1 });
    await settled(workflowRunId, 'RUN_CANCELED');
    expect(await client.getWaiters({ eventId })).toEqual([]);
    expect(await client.notify({ eventId, eventData: { decision: 'ok', by: 'late' } })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.journal(order.orderId).executed).toEqual(['reserve', 'price']);
    await expect(client.cancel(workflowRunId)).resolves.toEqual({ cancelled: 0 });
  });

  it('goes on with timeout: true when no event comes before the wait times out', async () => {
    const order = newOrder({ approvalTimeoutSeconds: 1 });
    const { workflowRunId } = await trigger(order);
    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toMatchObject({
      approvedBy: 'nobody (timed out)',
    });
  });

  it('keeps a notify naming the run that comes before the run waits, and hands it over at the wait', async () => {
    const order = newOrder();
    const release = app.hold(order.orderId);
    const { workflowRunId } = await trigger(order);
    // The run is held inside its context.call, before the wait step.
    await eventually(() => expect(app.journal(order.orderId).calls).toHaveLength(1));
    const eventId = `approve-${order.orderId}`;
    const early = await client.notify({
      eventId,
      eventData: { decision: 'ok', by: 'early bird' },
      workflowRunId,
    });
    expect(early).toEqual([]);
    release();

    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toMatchObject({ approvedBy: 'early bird' });
  });

  it('starts a run once when it is triggered twice with the same run id', async () => {
    const order = newOrder();
    const id = randomUUID();
    const { workflowRunId } = await trigger(order, { workflowRunId: id });
    await expect(trigger(order, { workflowRunId: id })).resolves.toEqual({ workflowRunId });
    const eventId = `approve-${order.orderId}`;
    await waitersOf(eventId);
    await client.notify({ eventId, eventData: { decision: 'ok', by: 'carol' } });

    await settled(workflowRunId, 'RUN_SUCCESS');
    expect(app.journal(order.orderId).executed).toEqual(['reserve', 'price', 'confirm']);
    expect((await client.logs({ workflowRunId })).runs).toHaveLength(1);
  });
});
