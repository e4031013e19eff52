// A QStash stand-in for unit tests: keeps published outbox messages, delivers them to in-process
// apps with QStash's headers (signed with the toolkit's test key), retries non-2xx up to Upstash-Retries, then calls the failure
// callback; delayed messages wait for `fireDelayed()`. Deliveries may be duplicated on purpose.
import type {
  OutboxMessageToPublish,
  OutboxPublisher,
} from '../../../../shared/event-store/publisher.ts';
import { signQstashMessage } from '../../../../shared/queue/index.ts';
import { testSigningKey } from '../../../../shared/service/index.ts';

export interface Queued {
  id: string;
  destination: string;
  body: unknown;
  headers: Readonly<Record<string, string>>;
  retried: number;
  delayed: boolean;
}

export type Route = (url: string, init: RequestInit) => Promise<Response>;

export interface DrainOptions {
  /** Deliver every message this many times (after a success too). Default 1. */
  times?: number;
  /** Also deliver messages published with Upstash-Delay. Default false. */
  includeDelayed?: boolean;
  /** Safety stop. Default 10,000 deliveries. */
  maxDeliveries?: number;
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return found?.[1];
}

export function memoryQstash(route: Route) {
  const queue: Queued[] = [];
  const seen = new Set<string>();
  const log: Array<{ destination: string; body: unknown; status: number; retried: number }> = [];
  const dead: Queued[] = [];

  const publish: OutboxPublisher = function publishToMemory(message: OutboxMessageToPublish) {
    if (!seen.has(message.id)) {
      seen.add(message.id);
      queue.push({
        ...structuredClone(message),
        retried: 0,
        delayed: header(message.headers, 'upstash-delay') !== undefined,
      });
    }
    return Promise.resolve();
  };

  async function deliverOnce(item: Queued): Promise<number> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'upstash-message-id': item.id,
      'upstash-retried': String(item.retried),
    };
    const traceparent = header(item.headers, 'traceparent');
    if (traceparent) headers.traceparent = traceparent;
    const body = JSON.stringify(item.body);
    if (/^https?:\/\//.test(item.destination)) {
      headers['upstash-signature'] = await signQstashMessage({
        key: testSigningKey,
        url: item.destination,
        body,
      });
    }
    let status: number;
    try {
      const response = await route(item.destination, { method: 'POST', headers, body });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 599;
    }
    log.push({ destination: item.destination, body: item.body, status, retried: item.retried });
    return status;
  }

  async function failureCallback(item: Queued, status: number): Promise<void> {
    const url = header(item.headers, 'upstash-failure-callback');
    if (!url) return;
    const sourceBody = btoa(JSON.stringify(item.body));
    const body = JSON.stringify({ status, retried: item.retried, sourceBody, dlqId: item.id });
    const signature = await signQstashMessage({ key: testSigningKey, url, body });
    await route(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'upstash-signature': signature },
      body,
    }).then((response) => response.arrayBuffer());
  }

  return {
    publish,
    queue,
    log,
    dead,
    /** Delivers until nothing deliverable is left; returns the number of deliveries. */
    async drain({ times = 1, includeDelayed = false, maxDeliveries = 10_000 }: DrainOptions = {}) {
      let deliveries = 0;
      for (;;) {
        const index = queue.findIndex((item) => includeDelayed || !item.delayed);
        if (index === -1) return deliveries;
        const [item] = queue.splice(index, 1) as [Queued];
        let status = 0;
        for (let copy = 0; copy < times; copy += 1) {
          status = await deliverOnce(item);
          deliveries += 1;
          if (status < 200 || status >= 300) break;
        }
        if (deliveries > maxDeliveries) throw new Error('memory qstash: too many deliveries');
        if (status >= 200 && status < 300) continue;
        const retries = Number(header(item.headers, 'upstash-retries') ?? 3);
        if (status === 489) dead.push(item);
        else if (item.retried < retries) queue.push({ ...item, retried: item.retried + 1 });
        else {
          dead.push(item);
          await failureCallback(item, status);
        }
      }
    },
    /** Makes delayed messages deliverable now. */
    fireDelayed() {
      for (const item of queue) item.delayed = false;
    },
  };
}
