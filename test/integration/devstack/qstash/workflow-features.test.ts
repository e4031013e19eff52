import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/workflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QstashServer } from '../../../../devstack/qstash/index.ts';
import { startTestQstash, uniqueSchema } from './support.ts';
import {
  eventually,
  startWorkflowApp,
  workflowEnv,
  type Order,
  type WorkflowApp,
} from './workflow-app.ts';

let app: WorkflowApp;
let client: Client;

function settled(workflowRunId: string, state: string, on: Client = client) {
  return eventually(async () => {
    const { runs } = await on.logs({ workflowRunId });
    expect(runs[0]?.workflowState).toBe(state);
    return runs[0]!;
  });
}

const newOrder = (): Order => ({ orderId: randomUUID(), amount: 21 });

beforeAll(async () => {
  const env = workflowEnv(inject('devstackVars'));
  client = new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN });
  app = await startWorkflowApp(env);
});

afterAll(async () => {
  await app?.close();
});

describe.concurrent('Upstash Workflow features on the devstack QStash', () => {
  it('runs parallel steps once each, then sleeps, then goes on with both results', async () => {
    const order = newOrder();
    const { workflowRunId } = await client.trigger({ url: `${app.url}/parallel`, body: order });
    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toEqual({
      stock: `stock ok for ${order.orderId}`,
      fraud: true,
    });
    expect([...app.journal(order.orderId).executed].sort()).toEqual([
      'check fraud',
      'check stock',
      'decide',
    ]);
    expect(run.steps.map((group) => group.type)).toEqual(['parallel', 'sequential', 'sequential']);
  });

  it('fails a run whose step fails for good and calls its failure function with the error', async () => {
    const order = newOrder();
    const { workflowRunId } = await client.trigger({ url: `${app.url}/fragile`, body: order });
    const run = await settled(workflowRunId, 'RUN_FAILED');
    expect(run.dlqId).toBeTruthy();
    const { messages } = await client.dlq.list({ filter: { workflowRunId } });
    expect(messages.map((entry) => [entry.dlqId, entry.workflowRunId])).toEqual([
      [run.dlqId, workflowRunId],
    ]);
    const seen = app.journal(order.orderId);
    await eventually(() =>
      expect(seen.failures).toEqual([{ status: 489, response: 'the card was stolen' }]),
    );
    expect(seen.executed).toEqual(['first', 'breaks']);
  });

  it("hands a third party's error answer to the run as the call's result, with nothing dead-lettered", async () => {
    const { workflowRunId } = await client.trigger({ url: `${app.url}/down`, body: newOrder() });
    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toEqual({
      status: 503,
      body: 'down for maintenance',
    });
    expect((await client.dlq.list({ filter: { workflowRunId } })).messages).toEqual([]);
  });

  it('fails a run triggered at a URL that is not a workflow endpoint', async () => {
    const { workflowRunId } = await client.trigger({
      url: `${app.url}/not-a-workflow`,
      body: newOrder(),
      retries: 0,
    });
    const run = await settled(workflowRunId, 'RUN_FAILED');
    expect(run.dlqId).toBeTruthy();
  });

  it('runs an invoked workflow and hands its result to the invoking step', async () => {
    const order = newOrder();
    const { workflowRunId } = await client.trigger({ url: `${app.url}/flows/parent`, body: order });
    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toEqual({
      body: { shipmentId: `shp-${order.orderId}`, amount: 21 },
      isFailed: false,
      isCanceled: false,
    });
    expect(app.journal(order.orderId).executed).toEqual(['ship', 'after']);
  });

  it('resumes a run waiting for a webhook when anyone calls the URL, no token needed', async () => {
    const order = newOrder();
    const { workflowRunId } = await client.trigger({ url: `${app.url}/hook`, body: order });
    const webhookUrl = await eventually(() => {
      const url = app.journal(order.orderId).webhookUrl;
      expect(url).toBeTruthy();
      return url!;
    });
    const answer = await fetch(webhookUrl, { method: 'POST', body: 'paid in full' });
    expect(answer.status).toBe(200);

    const run = await settled(workflowRunId, 'RUN_SUCCESS');
    expect(JSON.parse(run.workflowRunResponse!)).toEqual({
      timeout: false,
      method: 'POST',
      body: 'paid in full',
    });
    const stranger = webhookUrl.replace(/\/hooks\/[^/]+\//, '/hooks/someone-else/');
    expect((await fetch(stranger, { method: 'POST' })).status).toBe(404);
  });
});

describe('a workflow run across a restart of the QStash server', () => {
  const opened: QstashServer[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((server) => server.close()));
  });

  it('keeps a run waiting for an event through a stop and start, then finishes it', async () => {
    const databaseUrl = inject('devstackVars').DATABASE_URL!;
    const schema = uniqueSchema();
    const first = await startTestQstash(databaseUrl, { schema });
    opened.push(first);
    const env = workflowEnv(first.vars);
    const own = await startWorkflowApp(env);
    const local = new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN });
    try {
      const order = newOrder();
      const { workflowRunId } = await local.trigger({ url: `${own.url}/order`, body: order });
      const eventId = `approve-${order.orderId}`;
      await eventually(async () => expect(await local.getWaiters({ eventId })).toHaveLength(1));
      await first.close();

      const second = await startTestQstash(databaseUrl, {
        schema,
        port: first.port,
        dropSchemaOnClose: true,
      });
      opened.push(second);
      expect(await local.getWaiters({ eventId })).toHaveLength(1);
      await local.notify({ eventId, eventData: { decision: 'ok', by: 'after restart' } });
      const run = await settled(workflowRunId, 'RUN_SUCCESS', local);
      expect(JSON.parse(run.workflowRunResponse!)).toMatchObject({ approvedBy: 'after restart' });
      expect(own.journal(order.orderId).executed).toEqual(['reserve', 'price', 'confirm']);
    } finally {
      await own.close();
    }
  });
});
