import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { parseAddress, type HostPolicy } from './connection-target.ts';

/** A WebSocket → TCP proxy for the Neon driver's Pool/Client, attached to an HTTP server. */
export interface WsProxy {
  /** Pass to the HTTP server's `upgrade` event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Terminates every open WebSocket and its TCP connection. */
  close(): Promise<void>;
}

export interface WsProxyOptions {
  isAllowedHost: HostPolicy;
  log?: (line: string) => void;
}

// Past this many bytes queued towards the browser-side socket, stop reading from Postgres.
const highWaterBytes = 1024 * 1024;

/** Creates the proxy; like neondatabase/wsproxy, it takes the target from `?address=host:port`. */
export function createWsProxy({ isAllowedHost, log = () => {} }: WsProxyOptions): WsProxy {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const links = new Set<{ ws: WebSocket; tcp: Socket }>();

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let target: { host: string; port: number };
    try {
      target = parseAddress(new URL(req.url ?? '/', 'http://proxy').searchParams.get('address'));
    } catch (error) {
      return reject(socket, 400, error instanceof Error ? error.message : String(error));
    }
    if (!isAllowedHost(target.host)) {
      return reject(socket, 403, `connections to ${target.host} are not allowed`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => pipe(ws, target));
  }

  function pipe(ws: WebSocket, target: { host: string; port: number }): void {
    const tcp = connect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);
    const link = { ws, tcp };
    links.add(link);

    ws.on('message', (data: RawData) => {
      if (Array.isArray(data)) tcp.write(Buffer.concat(data));
      else tcp.write(Buffer.isBuffer(data) ? data : Buffer.from(data));
    });
    tcp.on('data', (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < highWaterBytes) tcp.resume();
      });
      if (ws.bufferedAmount >= highWaterBytes) tcp.pause();
    });
    tcp.on('error', (error) => {
      log(`ws proxy: ${target.host}:${target.port}: ${error.message}`);
      // A close reason is limited to 123 bytes.
      closeWs(ws, 1011, `tcp: ${error.message}`.slice(0, 120));
    });
    tcp.on('close', () => {
      links.delete(link);
      closeWs(ws, 1000, '');
    });
    ws.on('close', () => {
      links.delete(link);
      tcp.end();
    });
    ws.on('error', () => tcp.destroy());
  }

  return {
    handleUpgrade,
    async close() {
      for (const { ws, tcp } of links) {
        ws.terminate();
        tcp.destroy();
      }
      links.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function closeWs(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
}

function reject(socket: Duplex, status: number, message: string): void {
  const reason = status === 403 ? 'Forbidden' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
