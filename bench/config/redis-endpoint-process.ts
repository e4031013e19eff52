// The devstack's Redis and its Upstash REST endpoint in a process of their own, as under
// `npm start`, so the bench's load generator does not share their event loop. Prints
// `{"url": …, "token": …, "kind": …}` on one line, stops on SIGTERM.
import { fileURLToPath } from 'node:url';
import { startRedisBackend, startUpstashEndpoint } from '../../devstack/redis/index.ts';
import { spawnReporting } from '../child-process.ts';

export interface RedisEndpointProcess {
  readonly url: string;
  readonly token: string;
  readonly kind: string;
  stop(): Promise<void>;
}

/** Starts the endpoint in a child process and resolves once it listens. */
export async function spawnRedisEndpoint(): Promise<RedisEndpointProcess> {
  const { report, child } = await spawnReporting<{ url: string; token: string; kind: string }>(
    fileURLToPath(import.meta.url),
  );
  return {
    ...report,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const backend = await startRedisBackend({ log: () => {} });
  const endpoint = await startUpstashEndpoint({ backend, token: 'bench', port: 0 });
  console.log(JSON.stringify({ url: endpoint.url, token: endpoint.token, kind: backend.kind }));
  process.once('SIGTERM', () => {
    void endpoint
      .close()
      .then(() => backend.close())
      .then(() => process.exit(0));
  });
}
