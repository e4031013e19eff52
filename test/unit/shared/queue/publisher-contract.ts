// The Publisher contract: the memory adapter (unit) and the QStash adapter against the
// devstack's QStash (integration) run this same suite.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { messageDeadlineHeader, type Publisher } from '../../../../shared/queue/publisher.ts';

/** One delivery a subscriber saw: body and headers (lower-case names). */
export interface SeenDelivery {
  body: unknown;
  headers: Record<string, string>;
}

export interface PublisherHarness {
  publisher: Publisher;
  /** A fresh subscriber URL nobody else publishes to. */
  subscriber(): string;
  /** Creates a topic with these subscribers; returns its name. */
  topic(urls: readonly string[]): Promise<string>;
  /** Resolves with the first `count` deliveries to `url`. */
  received(url: string, count: number): Promise<SeenDelivery[]>;
  /** A message not yet delivered: when it is due (ms) and its retries; undefined when unknown. */
  pending(messageId: string): Promise<{ notBefore: number; retries?: number } | undefined>;
  /** A service whose base URL resolves to `base`, for `{ service, path }` destinations. */
  service: { name: string; base: string };
}

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function publisherContract(name: string, harness: () => PublisherHarness): void {
  describe(`Publisher contract: ${name}`, () => {
    it('delivers a message to a URL with its headers, trace context and deadline', async () => {
      const h = harness();
      const url = h.subscriber();
      const deadline = Date.now() + 60_000;
      const receipts = await h.publisher.publish({
        to: { url },
        body: { hello: 'world' },
        headers: { 'x-tenant': 'acme' },
        traceparent,
        deadline,
      });
      expect(receipts).toHaveLength(1);
      expect(receipts[0]?.messageId).toEqual(expect.any(String));
      expect(receipts[0]?.deduplicated).toBe(false);
      const [delivery] = await h.received(url, 1);
      expect(delivery?.body).toEqual({ hello: 'world' });
      expect(delivery?.headers).toMatchObject({
        'x-tenant': 'acme',
        traceparent,
        [messageDeadlineHeader]: String(deadline),
      });
    });

    it('fans a topic out to every subscriber, one receipt each', async () => {
      const h = harness();
      const urls = [h.subscriber(), h.subscriber()];
      const topic = await h.topic(urls);
      const receipts = await h.publisher.publish({ to: { topic }, body: { n: 1 } });
      expect(receipts).toHaveLength(2);
      expect(new Set(receipts.map((r) => r.messageId)).size).toBe(2);
      for (const url of urls) expect((await h.received(url, 1))[0]?.body).toEqual({ n: 1 });
    });

    it('accepts a second publish with the same deduplication id without delivering it', async () => {
      const h = harness();
      const url = h.subscriber();
      const deduplicationId = randomUUID();
      const first = await h.publisher.publish({ to: { url }, body: { n: 1 }, deduplicationId });
      const second = await h.publisher.publish({ to: { url }, body: { n: 2 }, deduplicationId });
      expect(first[0]?.deduplicated).toBe(false);
      expect(second[0]?.deduplicated).toBe(true);
      const marker = await h.publisher.publish({ to: { url }, body: { n: 3 } });
      expect(marker).toHaveLength(1);
      const seen = await h.received(url, 2);
      expect(seen.map((d) => d.body)).toEqual([{ n: 1 }, { n: 3 }]);
    });

    it('publishes a batch and answers receipts in request order', async () => {
      const h = harness();
      const [a, b] = [h.subscriber(), h.subscriber()];
      const topic = await h.topic([b]);
      const receipts = await h.publisher.publishBatch([
        { to: { url: a }, body: { to: 'a' } },
        { to: { topic }, body: { to: 'topic' } },
      ]);
      expect(receipts.map((r) => r.length)).toEqual([1, 1]);
      expect((await h.received(a, 1))[0]?.body).toEqual({ to: 'a' });
      expect((await h.received(b, 1))[0]?.body).toEqual({ to: 'topic' });
    });

    it('holds a delayed message back with its retries', async () => {
      const h = harness();
      const before = Date.now();
      const [receipt] = await h.publisher.publish({
        to: { url: h.subscriber() },
        body: {},
        delayMs: 3_600_000,
        retries: 1,
      });
      const pending = await h.pending(receipt!.messageId);
      expect(pending?.notBefore).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
      expect(pending?.retries).toBe(1);
    });

    it('delivers to a path of a service through its resolved URL', async () => {
      const h = harness();
      const path = `/svc-${randomUUID()}`;
      await h.publisher.publish({ to: { service: h.service.name, path }, body: { via: 'svc' } });
      expect((await h.received(`${h.service.base}${path}`, 1))[0]?.body).toEqual({ via: 'svc' });
    });
  });
}
