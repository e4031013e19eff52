// The Restate engine's SDK endpoint, in its own Node process: the order workflow as a Restate
// workflow (keyed by order id) whose participant calls are `ctx.run` steps, journaled by the
// server before the handler goes on. Reports `{"url": …}` on its first stdout line.
import * as restate from '@restatedev/restate-sdk';
import { workerArgs } from './engine-child.ts';
import type { PeerOrder } from './engine.ts';
import { relayedParticipants } from './header-relay.ts';
import { callParticipant, runPeerSaga } from './peer-saga.ts';

const participants = relayedParticipants(workerArgs());

/** As the orders saga retries a participant call: 5 attempts, from 1 s, doubling. */
const retry = { maxRetryAttempts: 5, initialRetryInterval: 1_000, retryIntervalFactor: 2 };

// restate.ts calls it through the ingress as `/PeerOrder/<orderId>/run`.
const peerOrder = restate.workflow({
  name: 'PeerOrder',
  handlers: {
    run: (ctx: restate.WorkflowContext, order: PeerOrder) =>
      runPeerSaga((step) => ctx.run(step, () => callParticipant(participants, step, order), retry)),
  },
});

const port = await restate.serve({
  services: [peerOrder],
  port: 0,
  // stdout carries the report; errors only, to stderr.
  logger: (meta, message: unknown, ...rest: unknown[]) => {
    if (String(meta.level) === 'error') console.error(message, ...rest);
  },
});
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
