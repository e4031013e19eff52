// The Restate engine's SDK endpoint, in its own Node process: the order workflow as a Restate
// workflow (keyed by order id) whose participant calls are `ctx.run` steps, journaled by the
// server before the handler goes on. Reports `{"url": …}` on its first stdout line.
import * as restate from '@restatedev/restate-sdk';
import { workerArgs, workerParticipants } from './engine-child.ts';
import type { PeerOrder } from './engine.ts';
import { orderWorkflow, participantCalls, ParticipantRefusedError } from './participant-calls.ts';

const calls = participantCalls(workerParticipants(workerArgs()));

/** As the orders saga retries a participant call: 5 attempts, from 1 s, doubling. */
const retry = { maxRetryAttempts: 5, initialRetryInterval: 1_000, retryIntervalFactor: 2 };

/** A refusal of a confirm or cancel ends the step for good (Restate retries anything else). */
async function terminalOnRefusal<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ParticipantRefusedError) throw new restate.TerminalError(error.message);
    throw error;
  }
}

// restate.ts calls it through the ingress as `/PeerOrder/<orderId>/run`.
const peerOrder = restate.workflow({
  name: 'PeerOrder',
  handlers: {
    run: (ctx: restate.WorkflowContext, order: PeerOrder) =>
      orderWorkflow(order, calls, (name, run) =>
        ctx.run(name, () => terminalOnRefusal(run), retry),
      ),
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
