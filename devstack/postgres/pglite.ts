import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServerOptions {
  /** A directory to persist in, or `memory://` for a throwaway database. */
  dataDir: string;
  /** Concurrent TCP connections the multiplexer accepts; default 32. */
  maxConnections?: number;
}

/** Embedded PGlite served over TCP on a free 127.0.0.1 port. */
export interface PgliteServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts PGlite and pglite-socket's multiplexing server in front of it. */
export async function startPgliteServer({
  dataDir,
  maxConnections = 32,
}: PgliteServerOptions): Promise<PgliteServer> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
