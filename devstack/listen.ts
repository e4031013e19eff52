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

/** Asks the OS for a free TCP port on host. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = createNetServer();
  return new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
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
