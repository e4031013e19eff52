// The DBOS Transact engine's own process: the order workflow as a DBOS workflow whose
// participant calls are DBOS steps (checkpointed in the system database), and a small HTTP
// endpoint that starts one workflow per order and answers with its result. It reports
// `{"url": …}` on its first stdout line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { PeerOrder } from './engine.ts';
import { workerArgs, workerParticipants, type WorkerArgs } from './engine-child.ts';
import { orderWorkflow, participantCalls, ParticipantRefusedError } from './participant-calls.ts';

const args = workerArgs<WorkerArgs & { systemDatabaseUrl: string }>();
const calls = participantCalls(workerParticipants(args));

/** As the orders saga retries a participant call (5 attempts, from 1 s, doubling); not a refusal. */
const retry = {
  retriesAllowed: true,
  maxAttempts: 5,
  intervalSeconds: 1,
  backoffRate: 2,
  shouldRetry: (error: unknown) => !(error instanceof ParticipantRefusedError),
};

const placeOrder = DBOS.registerWorkflow(
  (order: PeerOrder) =>
    orderWorkflow(order, calls, (name, run) => DBOS.runStep(run, { name, ...retry })),
  { name: 'placeOrder' },
);

DBOS.setConfig({
  name: 'saga-peers',
  applicationVersion: '0.1.0',
  systemDatabaseUrl: args.systemDatabaseUrl,
  logLevel: 'error',
});
await DBOS.launch();

const server = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => {
    let order: PeerOrder;
    try {
      order = JSON.parse(text) as PeerOrder;
    } catch {
      res.writeHead(400).end('expected an order as JSON');
      return;
    }
    DBOS.startWorkflow(placeOrder, { workflowID: order.orderId })(order)
      .then((handle) => handle.getResult())
      .then(
        (outcome) =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ outcome })),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(
    JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  );
});

process.once('SIGTERM', () => {
  server.close();
  void DBOS.shutdown().then(() => process.exit(0));
});
