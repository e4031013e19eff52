import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QstashServer } from '../../../../devstack/qstash/index.ts';
import {
  clientFor,
  sleep,
  startReceiver,
  startTestQstash,
  uniqueSchema,
  type TestReceiver,
} from './support.ts';

let receiver: TestReceiver;
const opened: QstashServer[] = [];
const at = (p: string) => (r: { path: string }) => r.path === p;

beforeAll(async () => {
  receiver = await startReceiver({
    current: 'sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r',
    next: 'sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs',
  });
});

afterAll(async () => {
  await Promise.all(opened.map((server) => server.close()));
  await receiver?.close();
});

describe('stop and start over the same Postgres', () => {
  it('delivers what was accepted but not delivered, and nothing already acknowledged twice', async () => {
    const databaseUrl = inject('devstackVars').DATABASE_URL!;
    const schema = uniqueSchema();
    const first = await startTestQstash(databaseUrl, { schema });
    const client = clientFor(first);
    let slowCalls = 0;
    receiver.reply('/slow', async () => {
      slowCalls += 1;
      await sleep(300);
      return { status: 200 };
    });
    let failing = true;
    receiver.reply('/flaky', () => ({ status: failing ? 500 : 200 }));

    await client.publish({ url: `${receiver.url}/done`, body: 'acked' });
    await receiver.waitFor(1, at('/done'));
    await sleep(100);
    const delayed = await client.publish({
      url: `${receiver.url}/delayed`,
      body: 'later',
      delay: 2,
    });
    const flaky = await client.publish({
      url: `${receiver.url}/flaky`,
      body: 'f',
      retryDelay: '10000000',
    });
    await receiver.waitFor(1, at('/flaky'));
    await client.publish({ url: `${receiver.url}/slow`, body: 'in flight at close' });
    await sleep(50);
    await first.close();
    expect(slowCalls).toBe(1);
    expect(receiver.received.filter(at('/delayed'))).toEqual([]);

    failing = false;
    const second = await startTestQstash(databaseUrl, {
      schema,
      dropSchemaOnClose: true,
      delayScale: 1,
    });
    opened.push(second);
    const [later] = await receiver.waitFor(1, at('/delayed'), 5000);
    expect(later!.headers['upstash-message-id']).toBe(delayed.messageId);
    expect(later!.verified).toBe(true);
    expect((await clientFor(second).messages.get(flaky.messageId)).maxRetries).toBe(3);
    await sleep(300);
    expect(receiver.received.filter(at('/done'))).toHaveLength(1);
    expect(receiver.received.filter(at('/slow'))).toHaveLength(1);
    expect(receiver.received.filter(at('/delayed'))).toHaveLength(1);
  });
});
