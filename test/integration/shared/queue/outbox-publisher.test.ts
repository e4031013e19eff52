import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxPublisher, qstashPublisher } from '../../../../shared/queue/index.ts';

// The outbox's QStash publisher through the official client against the devstack's QStash server, which
// delivers to a receiver on loopback.

const vars = inject('devstackVars');
const delivered: Array<{ path: string; headers: IncomingHttpHeaders; body: unknown }> = [];
const receiver = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => {
    delivered.push({
      path: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(text) as unknown,
    });
    res.writeHead(200).end();
  });
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

async function deliveriesTo(path: string, count: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = delivered.filter((d) => d.path === path);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return delivered.filter((d) => d.path === path);
}

describe('the outbox publisher over QStash against the devstack QStash', () => {
  const client = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN! });
  const publish = outboxPublisher(qstashPublisher(client));

  it('delivers the JSON body with traceparent forwarded, once per outbox id', async () => {
    const path = `/events-${randomUUID()}`;
    const traceparent = `00-${randomUUID().replaceAll('-', '')}-b7ad6b7169203331-01`;
    const message = {
      id: randomUUID(),
      destination: `${base}${path}`,
      body: { type: 'OrderPlaced', n: 1 },
      headers: { traceparent },
    };
    await publish(message, AbortSignal.timeout(5_000));
    // A relay that crashed before marking the row publishes it again: QStash drops the copy.
    await publish(message, AbortSignal.timeout(5_000));
    const [first] = await deliveriesTo(path, 1);
    expect(first?.body).toEqual({ type: 'OrderPlaced', n: 1 });
    expect(first?.headers.traceparent).toBe(traceparent);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(delivered.filter((d) => d.path === path)).toHaveLength(1);
  });

  it('rejects when QStash refuses the destination, so the row stays unpublished', async () => {
    const result = publish(
      { id: randomUUID(), destination: `no-such-group-${randomUUID()}`, body: {}, headers: {} },
      AbortSignal.timeout(5_000),
    );
    await expect(result).rejects.toThrow();
  });
});
