// The devstack's Neon endpoint in a process of its own, for benchmarks that must not share their
// load generator's event loop with it (in a deployment Neon's proxy is not in the function's
// process either). Prints `{"fetchEndpoint": …, "wsProxy": …}` on one line, stops on SIGTERM.
import { fileURLToPath } from 'node:url';
import { startNeonEndpoint } from '../devstack/postgres/index.ts';
import { spawnReporting } from './child-process.ts';

export interface NeonEndpointProcess {
  readonly fetchEndpoint: string;
  readonly wsProxy: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the endpoint in a child process and resolves once it listens. */
export async function spawnNeonEndpoint(): Promise<NeonEndpointProcess> {
  const {
    report: { fetchEndpoint, wsProxy },
    child,
  } = await spawnReporting<{ fetchEndpoint: string; wsProxy: string }>(
    fileURLToPath(import.meta.url),
  );
  return {
    fetchEndpoint,
    wsProxy,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const endpoint = await startNeonEndpoint({ poolSize: 20 });
  console.log(JSON.stringify({ fetchEndpoint: endpoint.fetchEndpoint, wsProxy: endpoint.wsProxy }));
  process.once('SIGTERM', () => void endpoint.close().then(() => process.exit(0)));
}
