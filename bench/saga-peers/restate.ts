// Restate: restate-server (the binary its npm package ships) on free ports with a throwaway
// data directory, the SDK endpoint in a Node process of its own (see restate-endpoint.ts),
// registered through the admin API; each order is one workflow invocation through the ingress.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../devstack/listen.ts';
import type { StartEngine } from './engine.ts';
import { startEngineChild, stopChild } from './engine-child.ts';
import { pinnedVersion } from './pinned-version.ts';

/** The server binary, as @restatedev/restate-server's launcher finds it. */
function serverBinary(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`@restatedev/restate-server-${platform()}-${arch()}/bin/restate-server`);
}

/** `section.key` → value of the server's effective configuration (`--dump-config`). */
async function effectiveConfig(
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, string>> {
  const { stdout } = await promisify(execFile)(binary, ['--dump-config'], { env });
  const config = new Map<string, string>();
  let section = '';
  for (const line of stdout.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = `${header[1]}.`;
    const entry = /^([\w-]+) = (.+)$/.exec(line);
    if (entry) config.set(`${section}${entry[1]}`, entry[2]!.replace(/^"|"$/g, ''));
  }
  return config;
}

/** Resolves once `url` answers 2xx; rejects if `server` exits first or after `timeoutMs`. */
async function ready(url: string, server: ChildProcess, log: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`restate-server exited: ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`restate-server not ready at ${url} after ${timeoutMs} ms: ${log()}`);
}

export const startRestate: StartEngine = async ({ participants }) => {
  const binary = serverBinary();
  const dataDir = await mkdtemp(join(tmpdir(), 'saga-peers-restate-'));
  const [ingressPort, adminPort, fabricPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env = {
    ...process.env,
    RESTATE_NODE_NAME: 'bench',
    RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingressPort}`,
    RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${adminPort}`,
    RESTATE_BIND_ADDRESS: `127.0.0.1:${fabricPort}`,
    RESTATE_DISABLE_TELEMETRY: 'true',
    RESTATE_ADMIN__DISABLE_WEB_UI: 'true',
    RESTATE_LOG_FILTER: 'warn',
    RESTATE_LOG_DISABLE_ANSI_CODES: 'true',
  };
  const config = await effectiveConfig(binary, env);
  const server = spawn(binary, ['--no-logo', '--listen-mode', 'tcp', '--base-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  const admin = `http://127.0.0.1:${adminPort}`;
  const ingress = `http://127.0.0.1:${ingressPort}`;
  let endpoint: ChildProcess | undefined;
  const stop = async () => {
    if (endpoint) await stopChild(endpoint);
    await stopChild(server);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await ready(`${admin}/health`, server, () => output);
    await ready(`${ingress}/restate/health`, server, () => output);
    const started = await startEngineChild('./restate-endpoint.ts', participants);
    endpoint = started.child;
    const registered = await fetch(`${admin}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri: started.url }),
    });
    if (!registered.ok) {
      throw new Error(
        `registering ${started.url}: ${registered.status} ${await registered.text()}`,
      );
    }
    const provider = config.get('bifrost.default-provider');
    const replication = config.get('default-replication');
    const walFsync = config.get('log-server.rocksdb-disable-wal-fsync') === 'false' ? 'on' : 'off';
    return {
      name: `Restate ${pinnedVersion('@restatedev/restate-server')} (SDK ${pinnedVersion('@restatedev/restate-sdk')})`,
      durability:
        `each ctx.run result appended to its journal in Bifrost (${provider} loglet, replication ${replication}: ` +
        `this node's log-server, RocksDB WAL fsync ${walFsync}) before the handler goes on`,
      async run(order) {
        const response = await fetch(
          `${ingress}/PeerOrder/${encodeURIComponent(order.orderId)}/run`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(order),
          },
        );
        if (!response.ok) {
          throw new Error(
            `Restate workflow ${order.orderId} failed: ${response.status} ${await response.text()}`,
          );
        }
        return (await response.json()) as 'confirmed' | 'cancelled';
      },
      pids: () => [server.pid, endpoint?.pid].filter((pid): pid is number => pid !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
