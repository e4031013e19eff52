import type { AddressInfo } from 'node:net';
import { serve as serveNode, type ServerType } from '@hono/node-server';
import { Client, Receiver } from '@upstash/qstash';
import { WorkflowNonRetryableError } from '@upstash/workflow';
import { createWorkflow, serve, serveMany } from '@upstash/workflow/hono';
import { Hono } from 'hono';

/** The order a test workflow is triggered with. */
export interface Order {
  orderId: string;
  amount: number;
  /** What the approval step waits for; default `approve-<orderId>`. */
  eventId?: string;
  /** How long the approval waits, seconds; default 30. */
  approvalTimeoutSeconds?: number;
}

/** What the workflow endpoints saw, per order id, so a test can check what ran how often. */
export interface Journal {
  /** Step functions as they executed (each should run once however often the route is called). */
  executed: string[];
  /** `x-tenant` as `context.headers` gave it on each call of the route function. */
  tenants: Array<string | null>;
  /** `context.label` on each call of the route function. */
  labels: Array<string | undefined>;
  /** Bodies the third-party endpoint received from `context.call`. */
  calls: unknown[];
  /** What the failure function was told. */
  failures: Array<{ status: number; response: string }>;
  /** The URL `context.createWebhook` handed out. */
  webhookUrl?: string;
}

/** A Hono app with Upstash Workflow endpoints, served on 127.0.0.1. */
export interface WorkflowApp {
  url: string;
  journal: (orderId: string) => Journal;
  /** Makes the charge of `orderId` wait until the returned function is called. */
  hold: (orderId: string) => () => void;
  close: () => Promise<void>;
}

/**
 * The workflows the tests run, written as an Upstash Workflow user would with the Hono adapter:
 * `/order` (three sequential steps, a context.call, a wait for an approval event, a cancel when
 * it says so), `/parallel` (two branches at once, then a sleep), `/fragile` (a step that fails for
 * good, with a failure function), `/down` (a context.call answered 503), `/hook` (a webhook) and `/flows/{parent,child}` (context.invoke).
 */
export async function startWorkflowApp(env: Record<string, string>): Promise<WorkflowApp> {
  const journals = new Map<string, Journal>();
  const journal = (orderId: string) => {
    let entry = journals.get(orderId);
    if (!entry) {
      entry = { executed: [], tenants: [], labels: [], calls: [], failures: [] };
      journals.set(orderId, entry);
    }
    return entry;
  };
  const holds = new Map<string, Promise<void>>();
  let base = '';
  const app = new Hono();

  app.post('/third-party/charge', async (c) => {
    const body = await c.req.json<{ orderId: string; amount: number }>();
    journal(body.orderId).calls.push({ body, header: c.req.header('x-charge-key') });
    await holds.get(body.orderId);
    return c.json({ chargeId: `ch-${body.orderId}`, charged: body.amount }, 201);
  });

  app.post(
    '/order',
    serve<Order>(
      async (context) => {
        const { orderId, amount } = context.requestPayload;
        const seen = journal(orderId);
        seen.tenants.push(context.headers.get('x-tenant'));
        seen.labels.push(context.label);
        const reservation = await context.run('reserve', () => {
          seen.executed.push('reserve');
          return { reservationId: `res-${orderId}` };
        });
        const total = await context.run('price', () => {
          seen.executed.push('price');
          return amount * 2;
        });
        const charge = await context.call<{ chargeId: string; charged: number }>('charge', {
          url: `${base}/third-party/charge`,
          method: 'POST',
          body: JSON.stringify({ orderId, amount: total }),
          headers: { 'content-type': 'application/json', 'x-charge-key': `key-${orderId}` },
        });
        const approval = await context.waitForEvent<{ decision: string; by: string }>(
          'approval',
          context.requestPayload.eventId ?? `approve-${orderId}`,
          { timeout: context.requestPayload.approvalTimeoutSeconds ?? 30 },
        );
        if (!approval.timeout && approval.eventData.decision === 'cancel') await context.cancel();
        return await context.run('confirm', () => {
          seen.executed.push('confirm');
          return {
            reservationId: reservation.reservationId,
            total,
            chargeStatus: charge.status,
            chargeId: charge.body.chargeId,
            approvedBy: approval.timeout ? 'nobody (timed out)' : approval.eventData.by,
          };
        });
      },
      { env },
    ),
  );

  app.get('/third-party/down', (c) => c.text('down for maintenance', 503));
  app.post('/not-a-workflow', (c) => c.text('hello'));

  app.post(
    '/down',
    serve<Order>(
      async (context) => {
        const answer = await context.call<string>('ask', { url: `${base}/third-party/down` });
        return { status: answer.status, body: answer.body };
      },
      { env },
    ),
  );

  app.post(
    '/parallel',
    serve<Order>(
      async (context) => {
        const { orderId, amount } = context.requestPayload;
        const seen = journal(orderId);
        const [stock, fraud] = await Promise.all([
          context.run('check stock', () => {
            seen.executed.push('check stock');
            return `stock ok for ${orderId}`;
          }),
          context.run('check fraud', () => {
            seen.executed.push('check fraud');
            return amount < 1000;
          }),
        ]);
        await context.sleep('cool down', 1);
        return await context.run('decide', () => {
          seen.executed.push('decide');
          return { stock, fraud };
        });
      },
      { env },
    ),
  );

  app.post(
    '/fragile',
    serve<Order>(
      async (context) => {
        const seen = journal(context.requestPayload.orderId);
        await context.run('first', () => {
          seen.executed.push('first');
        });
        await context.run('breaks', () => {
          seen.executed.push('breaks');
          throw new WorkflowNonRetryableError('the card was stolen');
        });
      },
      {
        env,
        failureFunction: ({ context, failStatus, failResponse }) => {
          journal(context.requestPayload.orderId).failures.push({
            status: failStatus,
            response: failResponse,
          });
        },
      },
    ),
  );

  app.post(
    '/hook',
    serve<Order>(
      async (context) => {
        const seen = journal(context.requestPayload.orderId);
        const webhook = await context.createWebhook('make webhook');
        await context.run('share webhook', () => {
          seen.webhookUrl = webhook.webhookUrl;
        });
        const { request, timeout } = await context.waitForWebhook('paid', webhook, '30s');
        return await context.run('read payment', async () => ({
          timeout,
          method: request?.method,
          body: await request?.text(),
        }));
      },
      { env },
    ),
  );

  const child = createWorkflow(async (context) => {
    const { orderId, amount } = context.requestPayload as Order;
    return await context.run('ship', () => {
      journal(orderId).executed.push('ship');
      return { shipmentId: `shp-${orderId}`, amount };
    });
  });
  const parent = createWorkflow(async (context) => {
    const order = context.requestPayload as Order;
    const shipped = await context.invoke('invoke ship', { workflow: child, body: order });
    return await context.run('after', () => {
      journal(order.orderId).executed.push('after');
      return shipped;
    });
  });
  app.post(
    '/flows/*',
    serveMany(
      { parent, child },
      {
        qstashClient: new Client({ baseUrl: env.QSTASH_URL!, token: env.QSTASH_TOKEN! }),
        receiver: new Receiver({
          currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY!,
          nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY!,
        }),
      },
    ),
  );

  const server: ServerType = await new Promise((resolve) => {
    const started = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    );
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    journal,
    hold: (orderId) => {
      let release!: () => void;
      holds.set(
        orderId,
        new Promise((resolve) => {
          release = resolve;
        }),
      );
      return release;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Retries `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The QStash variables the workflow endpoints and the Workflow client need. */
export function workflowEnv(vars: Record<string, string>): Record<string, string> {
  const pick = (name: string) => {
    const value = vars[name];
    if (!value) throw new Error(`the test setup gave no ${name}`);
    return value;
  };
  return {
    QSTASH_URL: pick('QSTASH_URL'),
    QSTASH_TOKEN: pick('QSTASH_TOKEN'),
    QSTASH_CURRENT_SIGNING_KEY: pick('QSTASH_CURRENT_SIGNING_KEY'),
    QSTASH_NEXT_SIGNING_KEY: pick('QSTASH_NEXT_SIGNING_KEY'),
  };
}
