import { Client, Receiver } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/index.ts';
import { qstashVars } from '../../../../shared/config/vars.ts';
import { startReceiver, type TestReceiver } from './support.ts';

let receiver: TestReceiver;
const vars = inject('devstackVars');

beforeAll(async () => {
  receiver = await startReceiver({
    current: vars.QSTASH_CURRENT_SIGNING_KEY!,
    next: vars.QSTASH_NEXT_SIGNING_KEY!,
  });
});
afterAll(() => receiver?.close());

describe("the data plane's QStash", () => {
  it('hands functions valid QSTASH_* variables with the published dev credentials', () => {
    const config = loadConfig(vars, qstashVars);
    expect(config.QSTASH_TOKEN).toBe(
      'eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=',
    );
    expect(config.QSTASH_CURRENT_SIGNING_KEY).toBe('sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r');
  });

  it('is found by a client and receiver in dev mode', async () => {
    process.env.QSTASH_DEV_PORT = new URL(vars.QSTASH_URL!).port;
    const client = new Client({ devMode: true, retry: false });
    const { messageId } = await client.publishJSON({
      url: `${receiver.url}/dev`,
      body: { dev: true },
    });
    const [got] = await receiver.waitFor(1, (r) => r.path === '/dev');
    expect(got!.headers['upstash-message-id']).toBe(messageId);
    const devReceiver = new Receiver({ devMode: true });
    await expect(
      devReceiver.verify({
        signature: String(got!.headers['upstash-signature']),
        body: got!.body.toString(),
      }),
    ).resolves.toBe(true);
  });
});
