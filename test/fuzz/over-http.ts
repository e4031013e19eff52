// The fuzz suite's requests sent over HTTP to functions that `startFunctions` runs in workerd or
// Deno: what the runtime's own request parsing and the deployed bundle make of them.
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { signQstashMessage } from '../../shared/queue/index.ts';
import type { FuzzCase } from './cases.ts';
import type { FuzzRoute } from './routes.ts';
import type { FuzzTarget } from './run.ts';

export interface HttpTargetOptions {
  readonly name: string;
  readonly url: string;
  readonly routes: readonly FuzzRoute[];
  readonly signingKey: string;
  readonly operatorToken: string;
}

// A server may answer a request before reading its body (413, or a guard that refuses early)
// and then close the connection; a client that reuses it for the next request sees a reset the
// function never caused. One connection per request keeps each answer its own.
const freshConnections = new Agent({ pipelining: 0 });

/** A running function as a fuzz target (its writes are not counted over HTTP). */
export function httpTarget({
  name,
  url,
  routes,
  signingKey,
  operatorToken,
}: HttpTargetOptions): FuzzTarget {
  return {
    name,
    routes,
    async send(input: FuzzCase) {
      const target = `${url}${input.target}`;
      const signature: Record<string, string> =
        input.signed && input.body !== undefined
          ? {
              'upstash-signature': await signQstashMessage({
                key: signingKey,
                url: target,
                body: input.body,
              }),
            }
          : {};
      const response = await undiciFetch(target, {
        method: input.route.method,
        headers: {
          ...input.headers,
          ...(input.operator ? { authorization: `Bearer ${operatorToken}` } : {}),
          ...signature,
        },
        ...(input.body === undefined ? {} : { body: input.body as UndiciRequestInit['body'] }),
        redirect: 'manual',
        dispatcher: freshConnections,
      });
      return response as unknown as Response;
    },
  };
}
