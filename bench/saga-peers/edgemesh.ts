// edgemesh as a saga-peers engine: the orders function's own saga, in workerd or Deno, placed
// with POST /orders (as bench/saga.bench.ts places it) and terminal when its OrderConfirmed or
// OrderCancelled event reaches a receiver in the bench's process (one QStash hop after the
// commit). Only the public surface is used: the saga's internals may change under it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import { startFunctions, type FunctionRuntime } from '../../devstack/functions/start.ts';
import { freePort } from '../../devstack/listen.ts';
import { migrateFunctions } from '../../devstack/migrations.ts';
import { createSql } from '../../shared/postgres/neon.ts';
import { listeningPid } from '../listening-pid.ts';
import { requestCounts } from '../saga-stack.ts';
import type { SagaEngine, StartEngine } from './engine.ts';

type Terminal = 'confirmed' | 'cancelled';

/** Receives the orders' events; resolves each order's wait with its terminal status. */
async function startReceiver(): Promise<{
  url: string;
  terminal(orderId: string): Promise<Terminal>;
  server: Server;
}> {
  const waiting = new Map<string, (status: Terminal) => void>();
  const early = new Map<string, Terminal>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const event = JSON.parse(text) as { type: string; data: { orderId: string } };
      const status: Terminal | undefined =
        event.type === 'OrderConfirmed'
          ? 'confirmed'
          : event.type === 'OrderCancelled'
            ? 'cancelled'
            : undefined;
      if (status) {
        const resolve = waiting.get(event.data.orderId);
        if (resolve) resolve(status);
        else early.set(event.data.orderId, status);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/order-events`,
    server,
    terminal: (orderId) => {
      const seen = early.get(orderId);
      if (seen) {
        early.delete(orderId);
        return Promise.resolve(seen);
      }
      return new Promise<Terminal>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(orderId);
          reject(new Error(`order ${orderId} was not terminal after 60 s`));
        }, 60_000);
        waiting.set(orderId, (status) => {
          clearTimeout(timer);
          waiting.delete(orderId);
          resolve(status);
        });
      });
    },
  };
}

/**
 * The orders function on `runtime` over the engine's own database; `planeVars` are the data
 * plane's (Neon and Upstash endpoints, QStash) the participants were started with.
 */
export function edgemeshEngine(
  runtime: FunctionRuntime,
  planeVars: Readonly<Record<string, string>>,
  version: string,
): StartEngine {
  return async ({ participants, databaseUrl }): Promise<SagaEngine> => {
    const spec = listFunctions().find((fn) => fn.name === 'orders');
    if (!spec) throw new Error('functions/orders is missing');
    await migrateFunctions(
      createSql({
        DATABASE_URL: databaseUrl,
        NEON_FETCH_ENDPOINT: planeVars.NEON_FETCH_ENDPOINT!,
        NEON_WS_PROXY: planeVars.NEON_WS_PROXY!,
      }),
      [spec],
    );
    const receiver = await startReceiver();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const [orders] = await startFunctions([spec], {
      runtime,
      ports: { orders: port },
      vars: {
        ...planeVars,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'warn',
        ...(participants.auth ? { SERVICE_AUTH_SECRET: participants.auth.secret } : {}),
        SERVICE_ORDERS_URL: url,
        SERVICE_INVENTORY_URL: participants.inventoryUrl,
        SERVICE_PAYMENTS_URL: participants.paymentsUrl,
        ORDERS_EVENTS_DESTINATION: receiver.url,
      },
    });
    const pid = listeningPid(port);
    return {
      name: `edgemesh ${version} (${runtime})`,
      durability:
        'order and saga events in its own Postgres database (event store over the Neon HTTP endpoint, one transaction per append); step hand-offs and the order event as QStash messages (rows in Postgres)',
      async run(order) {
        const response = await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            customerId: order.customerId,
            items: [
              {
                sku: order.sku,
                quantity: order.quantity,
                unitPrice: order.amountCents / order.quantity,
              },
            ],
          }),
        });
        if (response.status !== 201 && response.status !== 202) {
          throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
        }
        const { orderId } = (await response.json()) as { orderId: string };
        return receiver.terminal(orderId);
      },
      pids: () => (pid === undefined ? [] : [pid]),
      httpRequests: async () => (await requestCounts({ orders: url })).orders!,
      async stop() {
        await orders?.stop();
        receiver.server.close();
      },
    };
  };
}
