import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';

/** A port-in-use or permission failure, reported as one line. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Listens on host:port (0 = any free port) and resolves with the bound port. */
export function listen(
  server: Server,
  port: number,
  host = '127.0.0.1',
  what = 'server',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new ListenError(`${what}: port ${port} on ${host} is already in use`));
      } else if (error.code === 'EACCES') {
        reject(new ListenError(`${what}: no permission to listen on ${host}:${port}`));
      } else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Below Linux's default ephemeral range (32768–60999), where outbound connections take ports. */
const stablePorts = { from: 20_000, to: 32_000 };

function bindable(port: number, host: string): Promise<number | undefined> {
  const probe = createNetServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(undefined));
    probe.listen(port, host, () => {
      const address = probe.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      probe.close(() => resolve(bound));
    });
  });
}

/**
 * A free TCP port on host, picked below the ephemeral range: a function stopped and restarted
 * on the same port must not find it taken by an outbound connection's local port meanwhile.
 * Falls back to any port the OS offers.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const candidate =
      stablePorts.from + Math.floor(Math.random() * (stablePorts.to - stablePorts.from));
    const port = await bindable(candidate, host);
    if (port !== undefined) return port;
  }
  const port = await bindable(0, host);
  if (port === undefined) throw new ListenError(`no free port on ${host}`);
  return port;
}

/** Closes a server and every open connection on it. */
export function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Fails with a one-line ListenError when host:port is taken. */
export async function assertPortFree(
  port: number,
  host = '127.0.0.1',
  what = 'server',
): Promise<void> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ListenError(`${what}: port ${port} on ${host} is already in use`)
          : error,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
