import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import { PgliteQueryQueue } from './pglite-query-queue.ts';

export interface PgliteServerOptions {
  /** A directory to persist in, or `memory://` for a throwaway database. */
  dataDir: string;
  /** Concurrent TCP connections accepted; default 32. */
  maxConnections?: number;
}

/** Embedded PGlite served over TCP on a free 127.0.0.1 port. */
export interface PgliteServer {
  readonly url: string;
  readonly port: number;
  /**
   * Restarts the database as a Postgres restart looks to its clients: every open connection gets
   * FATAL 57P01 and is closed, PGlite is closed and opened again on the same data directory, and
   * connections meanwhile are refused with 57P03. The port stays the same. A `memory://` database
   * would come back empty, so it is refused (CONFLICT).
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts PGlite behind pglite-socket's protocol handler, one handler per TCP connection, all
 * sharing a queue that gives the single backend to one connection's unit of work at a time.
 */
export async function startPgliteServer({
  dataDir,
  maxConnections = 32,
}: PgliteServerOptions): Promise<PgliteServer> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const open = async () => {
    const db = await PGlite.create(dataDir);
    // The option is typed as pglite-socket's own (unexported) queue class; ours has its methods.
    const queue = new PgliteQueryQueue(db) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
    return { db, queue };
  };
  let current = await open();
  let restarting = false;
  const handlers = new Map<PGLiteSocketHandler, Socket>();

  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    if (restarting) {
      socket.end(errorResponse('57P03', 'the database system is starting up'));
      return;
    }
    if (handlers.size >= maxConnections) {
      socket.end(errorResponse('53300', `too many connections (max ${maxConnections})`));
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue: current.queue, closeOnDetach: true });
    handlers.set(handler, socket);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });

  let port: number;
  try {
    port = await listenOnFreePort(server);
  } catch (error) {
    await current.db.close();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      if (dataDir.startsWith('memory://')) {
        throw new EdgeMeshError(
          'CONFLICT',
          'PGlite runs in memory:// and would come back empty; not restarted',
        );
      }
      if (restarting) throw new EdgeMeshError('CONFLICT', 'PGlite is already restarting');
      restarting = true;
      try {
        const connections = [...handlers];
        handlers.clear();
        await Promise.allSettled(
          connections.map(async ([handler, socket]) => {
            // detach() rolls back the connection's open transaction and leaves the socket to us.
            await handler.detach(false);
            socket.on('error', () => {});
            socket.end(
              errorResponse('57P01', 'terminating connection due to administrator command'),
            );
          }),
        );
        await current.db.close();
        current = await open();
      } finally {
        restarting = false;
      }
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // detach() rolls back a connection's open transaction before closing its socket.
        void Promise.allSettled([...handlers.keys()].map((handler) => handler.detach(true)));
      });
      handlers.clear();
      await current.db.close();
    },
  };
}

function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** A Postgres ErrorResponse, so clients report why they were turned away. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
