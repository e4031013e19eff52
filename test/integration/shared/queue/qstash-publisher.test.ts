import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/qstash';
import { afterAll, beforeAll, inject } from 'vitest';
import { qstashPublisher } from '../../../../shared/queue/qstash-publisher.ts';
import { startReceiver, type TestReceiver } from '../../devstack/qstash/support.ts';
import { publisherContract } from '../../../unit/shared/queue/publisher-contract.ts';

const vars = inject('devstackVars');
const client = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startReceiver({
    current: vars.QSTASH_CURRENT_SIGNING_KEY!,
    next: vars.QSTASH_NEXT_SIGNING_KEY!,
  });
});
afterAll(() => receiver?.close());

publisherContract('QStash (devstack, official client)', () => {
  const serviceBase = () => `${receiver.url}/service`;
  return {
    publisher: qstashPublisher(client, {
      resolveService: (service) =>
        service === 'svc'
          ? Promise.resolve(serviceBase())
          : Promise.reject(new Error(`unknown ${service}`)),
    }),
    subscriber: () => `${receiver.url}/sub-${randomUUID()}`,
    async topic(urls) {
      const name = `contract-${randomUUID()}`;
      await client.urlGroups.addEndpoints({ name, endpoints: urls.map((url) => ({ url })) });
      return name;
    },
    async received(url, count) {
      const path = new URL(url).pathname;
      const hits = await receiver.waitFor(count, (r) => r.path === path);
      return hits.slice(0, count).map((r) => ({
        body: JSON.parse(r.body.toString('utf8')) as unknown,
        headers: Object.fromEntries(
          Object.entries(r.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : String(v),
          ]),
        ),
      }));
    },
    async pending(messageId) {
      const message = await client.messages.get(messageId);
      await client.messages.cancel(messageId);
      return { notBefore: message.notBefore ?? 0, retries: message.maxRetries };
    },
    get service() {
      return { name: 'svc', base: serviceBase() };
    },
  };
});
