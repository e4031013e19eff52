import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryPublisher } from '../../../../shared/queue/memory-publisher.ts';
import { publisherContract } from './publisher-contract.ts';

publisherContract('memory', () => {
  const base = 'http://svc.test';
  const publisher = memoryPublisher({
    resolveService: (service) =>
      service === 'svc' ? Promise.resolve(base) : Promise.reject(new Error(`unknown ${service}`)),
  });
  return {
    publisher,
    subscriber: () => `http://sub.test/${randomUUID()}`,
    topic: (urls) => {
      const name = `topic-${randomUUID()}`;
      for (const url of urls) publisher.subscribe(name, url);
      return Promise.resolve(name);
    },
    received: (url, count) => {
      const seen = publisher.messages.filter((m) => m.url === url && m.notBefore <= Date.now());
      if (seen.length < count) throw new Error(`expected ${count} deliveries to ${url}`);
      return Promise.resolve(seen.slice(0, count));
    },
    pending: (messageId) => {
      const message = publisher.messages.find((m) => m.messageId === messageId);
      return Promise.resolve(
        message && {
          notBefore: message.notBefore,
          ...(message.retries !== undefined ? { retries: message.retries } : {}),
        },
      );
    },
    service: { name: 'svc', base },
  };
});

describe('memory publisher', () => {
  it('applies a topic’s failure callback unless the request names one', async () => {
    const publisher = memoryPublisher({
      topics: { events: ['http://a.test/in'] },
      failureCallbacks: { events: 'http://a.test/dead' },
    });
    await publisher.publish({ to: { topic: 'events' }, body: {} });
    await publisher.publish({
      to: { topic: 'events' },
      body: {},
      failureCallback: 'http://b.test/x',
    });
    expect(publisher.messages.map((m) => m.failureCallback)).toEqual([
      'http://a.test/dead',
      'http://b.test/x',
    ]);
  });

  it('rejects a publish to a topic that does not exist', async () => {
    await expect(memoryPublisher().publish({ to: { topic: 'nope' }, body: {} })).rejects.toThrow(
      /does not exist/,
    );
  });
});
