import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../devstack/listen.ts';
import { liveDevstack } from '../../../devstack/live.ts';

let server: Server;
let url = '';
let dir = '';
const running = 'a1b2c3d4-0000-4000-8000-000000000001';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', service: 'orders', instance: running }));
  });
  url = `http://127.0.0.1:${await listen(server, 0)}`;
  dir = await mkdtemp(join(tmpdir(), 'edgemesh-live-'));
});
afterAll(async () => {
  await closeServer(server);
  await rm(dir, { recursive: true, force: true });
});

const writeEndpoints = (instance: string | undefined, functions: Record<string, string>) =>
  writeFile(join(dir, 'endpoints.json'), JSON.stringify({ instance, functions }));

describe('liveDevstack', () => {
  it('accepts endpoints.json when its functions answer its own instance id', async () => {
    await writeEndpoints(running, { orders: url });
    expect((await liveDevstack(dir))?.instance).toBe(running);
  });

  it('refuses a stale file whose ports another devstack now holds', async () => {
    await writeEndpoints('a1b2c3d4-0000-4000-8000-000000000002', { orders: url });
    expect(await liveDevstack(dir)).toBeUndefined();
  });

  it('refuses a file whose functions do not answer, and one without an instance', async () => {
    await writeEndpoints(running, { orders: 'http://127.0.0.1:9' });
    expect(await liveDevstack(dir)).toBeUndefined();
    await writeEndpoints(undefined, { orders: url });
    expect(await liveDevstack(dir)).toBeUndefined();
  });
});
