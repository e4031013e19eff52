// An engine's workflow runs in a child process, but `Participants.headers` lives in the bench:
// the child asks for each call's headers over the IPC channel, so they stay fresh per call.
import type { ChildProcess } from 'node:child_process';
import type { Participants } from './engine.ts';

type Service = 'inventory' | 'payments';
interface HeadersAsked {
  headersFor: Service;
  id: number;
}
interface HeadersGiven {
  id: number;
  headers?: Record<string, string>;
  error?: string;
}

/** Answers the child's requests for headers with `participants.headers`. */
export function serveHeaders(child: ChildProcess, participants: Participants): void {
  child.on('message', (message: HeadersAsked) => {
    if (typeof message?.headersFor !== 'string') return;
    participants.headers(message.headersFor).then(
      (headers) => child.send({ id: message.id, headers } satisfies HeadersGiven),
      (error: unknown) =>
        child.send({ id: message.id, error: String(error) } satisfies HeadersGiven),
    );
  });
}

/** In the child: the participants as the bench gave them, with headers asked of the bench. */
export function relayedParticipants(urls: {
  inventoryUrl: string;
  paymentsUrl: string;
}): Participants {
  const send = process.send?.bind(process);
  if (!send) throw new Error('relayedParticipants runs in a child spawned with an IPC channel');
  const pending = new Map<number, (answer: HeadersGiven) => void>();
  let next = 0;
  process.on('message', (answer: HeadersGiven) => {
    pending.get(answer.id)?.(answer);
    pending.delete(answer.id);
  });
  // The bench gone, the child has nothing left to serve.
  process.once('disconnect', () => process.exit(0));
  return {
    inventoryUrl: urls.inventoryUrl,
    paymentsUrl: urls.paymentsUrl,
    headers: (service) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, (answer) =>
          answer.headers ? resolve(answer.headers) : reject(new Error(answer.error)),
        );
        send({ headersFor: service, id } satisfies HeadersAsked);
      }),
  };
}
