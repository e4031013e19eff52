// Upstash Workflow as a saga-peers engine: the order workflow as an `@upstash/workflow` Hono
// app (one `context.run` per step), served by @hono/node-server in a Node process of its own,
// driven by the devstack's QStash. The bench places an order with POST /orders on that app,
// which triggers the run and answers once the run's last delivery has returned its status.
import { fileURLToPath } from 'node:url';
import { serve as serveNode } from '@hono/node-server';
import { Client } from '@upstash/workflow';
import { serve } from '@upstash/workflow/hono';
import { Hono } from 'hono';
import { spawnReporting } from '../child-process.ts';
import type { Participants, PeerOrder, StartEngine } from './engine.ts';
import { orderWorkflow, participantCalls, participantsOf } from './participant-calls.ts';

const sdkVersion = '1.3.3';

/** What the app's process is started with (JSON, its one argument). */
interface AppConfig {
  inventoryUrl: string;
  paymentsUrl: string;
  auth?: Participants['auth'];
  qstash: Record<string, string>;
}

export const startUpstashWorkflow: StartEngine = async ({ participants, qstash }) => {
  if (!qstash) throw new Error('Upstash Workflow needs the devstack QStash');
  const config: AppConfig = {
    inventoryUrl: participants.inventoryUrl,
    paymentsUrl: participants.paymentsUrl,
    ...(participants.auth ? { auth: participants.auth } : {}),
    qstash: {
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.token,
      QSTASH_CURRENT_SIGNING_KEY: qstash.currentSigningKey,
      QSTASH_NEXT_SIGNING_KEY: qstash.nextSigningKey,
    },
  };
  const { report, child } = await spawnReporting<{ url: string }>(fileURLToPath(import.meta.url), {
    args: [JSON.stringify(config)],
  });
  return {
    name: `Upstash Workflow ${sdkVersion} (Hono on Node ${process.versions.node})`,
    durability:
      'every step result is a QStash message, delivered back to the app with the run so far (the devstack QStash: rows in Postgres written with synchronous_commit off)',
    async run(order: PeerOrder) {
      const response = await fetch(`${report.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      if (!response.ok) throw new Error(`the workflow app answered ${response.status}`);
      return ((await response.json()) as { status: 'confirmed' | 'cancelled' }).status;
    },
    pids: () => [child.pid!],
    httpRequests: async () =>
      ((await (await fetch(`${report.url}/requests`)).json()) as { requests: number }).requests,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
};

function serveApp(config: AppConfig): void {
  const calls = participantCalls(participantsOf(config));
  const client = new Client({
    baseUrl: config.qstash.QSTASH_URL,
    token: config.qstash.QSTASH_TOKEN,
  });
  const settled = new Map<string, (status: 'confirmed' | 'cancelled') => void>();
  let requests = 0;
  let base = '';
  const app = new Hono();
  app.use(async (_c, next) => {
    requests += 1;
    await next();
  });
  app.post(
    '/saga',
    serve<PeerOrder>(
      async (context) => {
        const order = context.requestPayload;
        const status = await orderWorkflow(order, calls, (name, run) => context.run(name, run));
        // Reached only on the delivery after the last step, when every step is recorded.
        settled.get(order.orderId)?.(status);
        return status;
      },
      { env: config.qstash },
    ),
  );
  app.post('/orders', async (c) => {
    const order = await c.req.json<PeerOrder>();
    const status = new Promise<'confirmed' | 'cancelled'>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${order.orderId} timed out`)), 60_000);
      settled.set(order.orderId, (value) => {
        clearTimeout(timer);
        settled.delete(order.orderId);
        resolve(value);
      });
    });
    await client.trigger({ url: `${base}/saga`, body: order, workflowRunId: order.orderId });
    return c.json({ status: await status });
  });
  app.get('/requests', (c) => c.json({ requests }));
  const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    base = `http://127.0.0.1:${info.port}`;
    console.log(JSON.stringify({ url: base }));
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serveApp(JSON.parse(process.argv[2]!) as AppConfig);
}
