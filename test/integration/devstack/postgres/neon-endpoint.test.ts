import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { neon, neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../../../devstack/listen.ts';
import { startNeonEndpoint, type NeonEndpoint } from '../../../../devstack/postgres/index.ts';

// Endpoint behaviour that needs no database: request validation, host policy, and the
// WebSocket proxy's byte pipe and shutdown, checked against plain TCP servers.

let endpoint: NeonEndpoint;

beforeAll(async () => {
  endpoint = await startNeonEndpoint();
  neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
});

afterAll(async () => {
  await endpoint?.close();
});

function postSql(body: string, connectionString: string): Promise<Response> {
  return fetch(endpoint.fetchEndpoint, {
    method: 'POST',
    body,
    headers: { 'Neon-Connection-String': connectionString },
  });
}

async function tcpServer(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

function openProxy(proxy: string, address: string): WebSocket {
  return new WebSocket(`ws://${proxy}?address=${address}`);
}

describe('POST /sql', () => {
  it('answers a malformed JSON body with 400 and a message', async () => {
    const response = await postSql('{"query": ', 'postgres://postgres@127.0.0.1:5432/test');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'request body is not valid JSON' });
  });

  it('answers a request without a connection string with 400', async () => {
    const response = await fetch(endpoint.fetchEndpoint, {
      method: 'POST',
      body: '{"query":"select 1","params":[]}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'missing Neon-Connection-String header' });
  });

  it('refuses a non-loopback Postgres host with 403', async () => {
    const response = await postSql('{"query":"select 1"}', 'postgres://u:p@10.255.0.1:5432/db');
    expect(response.status).toBe(403);
  });

  it('reports an unreachable Postgres through the driver as a server error naming the target', async () => {
    const port = await freePort();
    const sql = neon(`postgres://postgres@127.0.0.1:${port}/nowhere`);
    const error = await sql`select 1`.then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error?.message).toMatch(/^Server error \(HTTP status 502\)/);
    expect(error?.message).toContain(`127.0.0.1:${port}`);
  });

  it('answers the CORS preflight and tags responses with a Neon-Request-Id', async () => {
    const preflight = await fetch(endpoint.fetchEndpoint, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain(
      'neon-connection-string',
    );
    const response = await postSql('not json', 'postgres://postgres@127.0.0.1:5432/test');
    expect(response.headers.get('neon-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('WebSocket proxy', () => {
  it('pipes binary messages to the TCP target and its replies back unchanged', async () => {
    const { server, port } = await tcpServer((socket) => socket.pipe(socket));
    const ws = openProxy(endpoint.wsProxy, `127.0.0.1:${port}`);
    await once(ws, 'open');
    const payload = Buffer.from([0, 1, 2, 250, 255, 0x51]);
    ws.send(payload);
    const [reply] = (await once(ws, 'message')) as [Buffer];
    expect([...reply]).toEqual([...payload]);
    ws.close();
    server.close();
  });

  it('closes the WebSocket with 1000 when the TCP side closes', async () => {
    const { server, port } = await tcpServer((socket) => socket.end());
    const ws = openProxy(endpoint.wsProxy, `127.0.0.1:${port}`);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1000);
    server.close();
  });

  it('closes the WebSocket with 1011 and the reason when the target refuses the connection', async () => {
    const port = await freePort();
    const ws = openProxy(endpoint.wsProxy, `127.0.0.1:${port}`);
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(1011);
    expect(reason.toString()).toContain('ECONNREFUSED');
  });

  it('closes the TCP connection when the WebSocket closes', async () => {
    let closed!: () => void;
    const tcpClosed = new Promise<void>((resolve) => (closed = resolve));
    const { server, port } = await tcpServer((socket) => {
      socket.resume();
      socket.on('close', closed);
    });
    const ws = openProxy(endpoint.wsProxy, `127.0.0.1:${port}`);
    await once(ws, 'open');
    ws.close(1000);
    await tcpClosed;
    server.close();
  });

  it('refuses non-loopback targets and malformed addresses', async () => {
    for (const [address, status] of [
      ['10.255.0.1:5432', 403],
      ['no-port', 400],
    ] as const) {
      const ws = openProxy(endpoint.wsProxy, address);
      const [error] = (await once(ws, 'error')) as [Error];
      expect(error.message).toBe(`Unexpected server response: ${status}`);
    }
  });

  it('terminates open WebSockets and their TCP connections on close()', async () => {
    const own = await startNeonEndpoint();
    let tcpSocket: Socket | undefined;
    const { server, port } = await tcpServer((socket) => {
      tcpSocket = socket;
      socket.resume();
    });
    const ws = openProxy(own.wsProxy, `127.0.0.1:${port}`);
    await once(ws, 'open');
    const wsClosed = once(ws, 'close');
    await own.close();
    await wsClosed;
    await expect.poll(() => tcpSocket?.destroyed).toBe(true);
    server.close();
  });
});
