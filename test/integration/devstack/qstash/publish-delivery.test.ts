import { Receiver } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QstashServer } from '../../../../devstack/qstash/index.ts';
import { clientFor, sleep, startReceiver, startTestQstash, type TestReceiver } from './support.ts';

let server: QstashServer;
let receiver: TestReceiver;
let client: ReturnType<typeof clientFor>;
let n = 0;
/** A fresh path on the receiver, so tests never see each other's deliveries. */
const path = () => `/t${++n}`;
const at = (p: string) => (r: { path: string }) => r.path.split('?')[0] === p;

/** The bodies delivered to `p`, sorted, once `count` arrived and a late duplicate had time to. */
async function settledBodies(p: string, count: number): Promise<string[]> {
  await receiver.waitFor(count, at(p));
  await sleep(150);
  return receiver.received
    .filter(at(p))
    .map((r) => r.body.toString())
    .sort();
}

beforeAll(async () => {
  server = await startTestQstash(inject('devstackVars').DATABASE_URL!, { dropSchemaOnClose: true });
  receiver = await startReceiver({
    current: server.currentSigningKey,
    next: server.nextSigningKey,
  });
  client = clientFor(server);
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe.concurrent('publish and delivery through the official client', () => {
  it('delivers the exact body, method, query and forwarded headers with a signature Receiver accepts', async () => {
    const p = path();
    const body = '{"text":"grüße 🚀","n":1}';
    const published = await client.publish({
      url: `${receiver.url}${p}?a=1&b=two`,
      body,
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Trace': 'abc', Authorization: 'Bearer x' },
    });
    const [got] = await receiver.waitFor(1, at(p));
    expect(got!.verified).toBe(true);
    expect(got!.method).toBe('PUT');
    expect(got!.path).toBe(`${p}?a=1&b=two`);
    expect(got!.body.toString('utf8')).toBe(body);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-trace']).toBe('abc');
    expect(got!.headers.authorization).toBe('Bearer x');
    expect(got!.headers['upstash-message-id']).toBe(published.messageId);
    expect(got!.headers['upstash-retried']).toBe('0');
    expect(got!.headers['user-agent']).toBe('Upstash-QStash');
  });

  it('signs with the current key so the next key alone verifies, and a tampered body is rejected', async () => {
    const p = path();
    await client.publishJSON({ url: `${receiver.url}${p}`, body: { amount: 10 } });
    const [got] = await receiver.waitFor(1, at(p));
    const signature = String(got!.headers['upstash-signature']);
    const rotated = new Receiver({
      currentSigningKey: 'sig_wrong',
      nextSigningKey: server.currentSigningKey,
    });
    await expect(rotated.verify({ signature, body: got!.body.toString() })).resolves.toBe(true);
    const real = new Receiver({
      currentSigningKey: server.currentSigningKey,
      nextSigningKey: server.nextSigningKey,
    });
    await expect(real.verify({ signature, body: '{"amount":1000}' })).rejects.toThrow(/body hash/);
    await expect(
      real.verify({ signature, body: got!.body.toString(), url: 'http://elsewhere/' }),
    ).rejects.toThrow(/subject/);
  });

  it('retries until the destination answers 2xx, counting Upstash-Retried', async () => {
    const p = path();
    let calls = 0;
    receiver.reply(p, () => ({ status: ++calls < 3 ? 503 : 204 }));
    const { messageId } = await client.publish({ url: `${receiver.url}${p}`, body: 'again' });
    const got = await receiver.waitFor(3, at(p));
    expect(got.map((r) => r.headers['upstash-retried'])).toEqual(['0', '1', '2']);
    await sleep(100);
    const { logs } = await client.logs({ filter: { messageId } });
    expect(logs.map((log) => log.state)).toContain('DELIVERED');
    await expect(client.messages.get(messageId)).rejects.toThrow(/not found/);
  });

  it('sends an exhausted message to the DLQ with a failure callback, and a DLQ retry delivers it', async () => {
    const p = path();
    const failed = path();
    let healthy = false;
    receiver.reply(p, () => (healthy ? { status: 200 } : { status: 500, body: 'down' }));
    const { messageId } = await client.publish({
      url: `${receiver.url}${p}`,
      body: 'payload',
      retries: 1,
      failureCallback: `${receiver.url}${failed}`,
    });
    const [callback] = await receiver.waitFor(1, at(failed));
    expect(callback!.verified).toBe(true);
    const info = JSON.parse(callback!.body.toString()) as Record<string, unknown>;
    expect(info).toMatchObject({
      status: 500,
      sourceMessageId: messageId,
      url: `${receiver.url}${p}`,
      retried: 1,
      maxRetries: 1,
    });
    expect(Buffer.from(String(info.body), 'base64').toString()).toBe('down');
    expect(Buffer.from(String(info.sourceBody), 'base64').toString()).toBe('payload');
    const { messages } = await client.dlq.listMessages({ filter: { url: `${receiver.url}${p}` } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      messageId,
      responseStatus: 500,
      responseBody: 'down',
      body: 'payload',
    });
    expect(info.dlqId).toBe(messages[0]!.dlqId);

    healthy = true;
    const retried = await client.dlq.retry({ dlqIds: [messages[0]!.dlqId] });
    expect(retried.responses).toHaveLength(1);
    const attempts = await receiver.waitFor(3, at(p));
    expect(attempts.at(-1)!.body.toString()).toBe('payload');
    expect(
      (await client.dlq.listMessages({ filter: { url: `${receiver.url}${p}` } })).messages,
    ).toEqual([]);
  });

  it('moves a 489 with Upstash-NonRetryable-Error straight to the DLQ', async () => {
    const p = path();
    receiver.reply(p, () => ({ status: 489, headers: { 'Upstash-NonRetryable-Error': 'true' } }));
    const { messageId } = await client.publish({
      url: `${receiver.url}${p}`,
      body: 'x',
      retries: 3,
    });
    await receiver.waitFor(1, at(p));
    await sleep(200);
    expect(receiver.received.filter(at(p))).toHaveLength(1);
    const { messages } = await client.dlq.listMessages({ filter: { messageId } });
    expect(messages.map((m) => m.messageId)).toEqual([messageId]);
  });

  it('calls the callback after an attempt with the response', async () => {
    const p = path();
    const cb = path();
    receiver.reply(p, () => ({ status: 201, body: 'made' }));
    const { messageId } = await client.publish({
      url: `${receiver.url}${p}`,
      body: 'x',
      callback: `${receiver.url}${cb}`,
    });
    const [got] = await receiver.waitFor(1, at(cb));
    expect(got!.verified).toBe(true);
    const info = JSON.parse(got!.body.toString()) as {
      status: number;
      body: string;
      sourceMessageId: string;
    };
    expect(info.status).toBe(201);
    expect(Buffer.from(info.body, 'base64').toString()).toBe('made');
    expect(info.sourceMessageId).toBe(messageId);
  });

  it('honours Delay and Not-Before', async () => {
    const p1 = path();
    const p2 = path();
    const started = Date.now();
    await client.publish({ url: `${receiver.url}${p1}`, body: 'later', delay: 1 });
    await client.publish({
      url: `${receiver.url}${p2}`,
      body: 'later',
      notBefore: Math.ceil(started / 1000) + 2,
    });
    const [delayed] = await receiver.waitFor(1, at(p1));
    const [notBefore] = await receiver.waitFor(1, at(p2));
    expect(delayed!.at - started).toBeGreaterThanOrEqual(1000);
    expect(notBefore!.at).toBeGreaterThanOrEqual((Math.ceil(started / 1000) + 2) * 1000);
  });

  it('cancels a message before it is delivered', async () => {
    const p = path();
    const { messageId } = await client.publish({
      url: `${receiver.url}${p}`,
      body: 'never',
      delay: 1,
    });
    expect((await client.messages.get(messageId)).body).toBe('never');
    expect(await client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    await expect(client.messages.get(messageId)).rejects.toThrow(/not found/);
    await sleep(1300);
    expect(receiver.received.filter(at(p))).toEqual([]);
  });

  it('cancels in bulk by id', async () => {
    const p = path();
    const a = await client.publish({ url: `${receiver.url}${p}`, body: '1', delay: 60 });
    const b = await client.publish({ url: `${receiver.url}${p}`, body: '2', delay: 60 });
    expect(await client.messages.cancel([a.messageId, b.messageId])).toEqual({ cancelled: 2 });
  });

  it('deduplicates by id and by content within the window', async () => {
    const p = path();
    const url = `${receiver.url}${p}`;
    const first = await client.publish({ url, body: 'a', deduplicationId: `d-${p}` });
    const again = await client.publish({ url, body: 'b', deduplicationId: `d-${p}` });
    expect(again).toMatchObject({ messageId: first.messageId, deduplicated: true });
    const c1 = await client.publish({ url, body: 'same', contentBasedDeduplication: true });
    const c2 = await client.publish({ url, body: 'same', contentBasedDeduplication: true });
    const c3 = await client.publish({ url, body: 'other', contentBasedDeduplication: true });
    expect(c2).toMatchObject({ messageId: c1.messageId, deduplicated: true });
    expect(c3.messageId).not.toBe(c1.messageId);
    expect(await settledBodies(p, 3)).toEqual(['a', 'other', 'same']);
  });

  it('delivers one message for a deduplication id published many times at once', async () => {
    const p = path();
    const url = `${receiver.url}${p}`;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.publish({ url, body: `copy ${i}`, deduplicationId: `many-${p}` }),
      ),
    );
    const ids = new Set(answers.map((answer) => answer.messageId));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => !answer.deduplicated)).toHaveLength(1);
    await receiver.waitFor(1, at(p));
    await sleep(150);
    expect(receiver.received.filter(at(p))).toHaveLength(1);
  });

  it('answers a deduplication id repeated inside one batch request as a duplicate', async () => {
    const p = path();
    const url = `${receiver.url}${p}`;
    const headers = { 'Upstash-Deduplication-Id': `batch-${p}` };
    const [first, second, other] = (await client.batch([
      { url, body: 'first', headers },
      { url, body: 'second', headers },
      { url, body: 'other' },
    ])) as Array<{ messageId: string; deduplicated?: boolean }>;
    expect(second).toMatchObject({ messageId: first!.messageId, deduplicated: true });
    expect(first).not.toHaveProperty('deduplicated');
    expect(other!.messageId).not.toBe(first!.messageId);
    expect(await settledBodies(p, 2)).toEqual(['first', 'other']);
  });

  it('fans a URL-group publish out to every endpoint', async () => {
    const [p1, p2] = [path(), path()];
    const name = `group-${process.pid}-${p1.slice(1)}`;
    await client.urlGroups.addEndpoints({
      name,
      endpoints: [{ url: `${receiver.url}${p1}`, name: 'one' }, { url: `${receiver.url}${p2}` }],
    });
    expect((await client.urlGroups.get(name)).endpoints).toHaveLength(2);
    const published = await client.publishJSON({ urlGroup: name, body: { hi: 1 } });
    expect(published).toHaveLength(2);
    const [one] = await receiver.waitFor(1, at(p1));
    const [two] = await receiver.waitFor(1, at(p2));
    expect(one!.headers['upstash-topic-name']).toBe(name);
    expect(two!.verified).toBe(true);
    await client.urlGroups.removeEndpoints({ name, endpoints: [{ name: 'one' }] });
    expect((await client.urlGroups.get(name)).endpoints).toEqual([{ url: `${receiver.url}${p2}` }]);
    await client.urlGroups.delete(name);
    await expect(client.urlGroups.get(name)).rejects.toThrow(/not found/);
  });

  it('publishes a batch, answering in order', async () => {
    const [p1, p2] = [path(), path()];
    const result = await client.batchJSON([
      { url: `${receiver.url}${p1}`, body: { i: 1 } },
      { url: `${receiver.url}${p2}`, body: { i: 2 } },
    ]);
    expect(result.map((r) => (r as { url: string }).url)).toEqual([
      `${receiver.url}${p1}`,
      `${receiver.url}${p2}`,
    ]);
    await receiver.waitFor(1, at(p1));
    await receiver.waitFor(1, at(p2));
  });
});

describe('bad input', () => {
  const raw = (pathAndQuery: string, init: RequestInit = {}, token = server.token) =>
    fetch(`${server.url}${pathAndQuery}`, {
      method: 'POST',
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  it.each([
    ['a malformed delay', { 'Upstash-Delay': 'soon' }, /Upstash-Delay/],
    ['a negative retry count', { 'Upstash-Retries': '-1' }, /Upstash-Retries/],
    ['a broken retry-delay expression', { 'Upstash-Retry-Delay': 'pow(2,' }, /Upstash-Retry-Delay/],
    ['an unknown method', { 'Upstash-Method': 'FETCH' }, /Upstash-Method/],
    ['a callback that is not a URL', { 'Upstash-Callback': 'nope' }, /Upstash-Callback/],
  ])('rejects %s with a 400 naming the header', async (_, headers, pattern) => {
    const response = await raw('/v2/publish/http://127.0.0.1:9/x', { headers, body: 'x' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(pattern);
  });

  it('rejects destinations that are not http(s) URLs or known URL groups', async () => {
    for (const destination of ['ftp://example.com/x', 'no-such-group', 'a b']) {
      const response = await raw(`/v2/publish/${destination}`, { body: 'x' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/destination/);
    }
  });

  it('rejects a malformed cron and a six-field cron', async () => {
    for (const cron of ['61 * * * *', '* * * * * *', 'CRON_TZ=Mars/Base * * * * *']) {
      await expect(
        client.schedules.create({ destination: 'http://127.0.0.1:9/x', cron }),
      ).rejects.toMatchObject({ status: 400 });
    }
  });

  it('rejects a body over the size limit and keeps serving', async () => {
    const response = await raw('/v2/publish/http://127.0.0.1:9/x', {
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/limit/);
    expect(
      (
        await fetch(`${server.url}/v2/keys`, {
          headers: { authorization: `Bearer ${server.token}` },
        })
      ).status,
    ).toBe(200);
  });

  it('answers 401 to a missing or wrong token and 404 JSON to unknown routes', async () => {
    expect((await fetch(`${server.url}/v2/queues`)).status).toBe(401);
    expect((await raw('/v2/queues', { method: 'GET' }, 'wrong')).status).toBe(401);
    const unknown = await raw('/v2/nothing-here', { method: 'GET' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toHaveProperty('error');
  });

  it('rejects a batch that is not an array of messages without storing any of it', async () => {
    const response = await raw('/v2/batch', {
      body: JSON.stringify([{ destination: 'http://127.0.0.1:9/ok' }, { destination: 'ftp://x' }]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/batch entry 1/);
    expect(
      await client.messages.cancel({ filter: { url: 'http://127.0.0.1:9/ok' } }),
    ).toMatchObject({ cancelled: 0 });
  });
});
