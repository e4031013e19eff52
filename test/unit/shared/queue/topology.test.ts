import { describe, expect, it } from 'vitest';
import {
  planTopology,
  resolveTopology,
  type CurrentTopology,
  type ResolvedTopology,
} from '../../../../shared/queue/topology.ts';
import { referenceTopology } from '../../../support/reference-topology.ts';

const urls = {
  notifications: 'http://127.0.0.1:8788',
  orders: 'http://127.0.0.1:8787/',
  inventory: 'http://127.0.0.1:8789',
};

/** What QStash would hold after applying `desired`. */
function applied(desired: ResolvedTopology): CurrentTopology {
  return {
    topics: desired.topics.map((t) => ({ name: t.name, endpoints: [...t.endpoints] })),
    schedules: desired.schedules.map((s) => ({
      scheduleId: s.id,
      destination: s.destination,
      cron: s.cron,
      retries: s.retries ?? 3,
    })),
  };
}

describe('topology', () => {
  it('subscribes notifications to order events and sweeps the orders and inventory outboxes', () => {
    const resolved = resolveTopology(referenceTopology, urls);
    expect(resolved.topics).toEqual([
      {
        name: 'order-events',
        endpoints: [{ name: 'notifications', url: 'http://127.0.0.1:8788/events/orders' }],
      },
    ]);
    expect(resolved.schedules).toEqual([
      {
        id: 'orders-outbox-sweep',
        destination: 'http://127.0.0.1:8787/outbox/sweep',
        cron: '* * * * *',
      },
      {
        id: 'inventory-outbox-sweep',
        destination: 'http://127.0.0.1:8789/outbox/sweep',
        cron: '* * * * *',
      },
    ]);
  });

  it('suffixes topic names and schedule ids, to keep runs apart', () => {
    const resolved = resolveTopology(referenceTopology, urls, { suffix: '-run7' });
    expect(resolved.topics.map((t) => t.name)).toEqual(['order-events-run7']);
    expect(resolved.schedules.map((s) => s.id)).toEqual([
      'orders-outbox-sweep-run7',
      'inventory-outbox-sweep-run7',
    ]);
  });

  it('names every missing SERVICE_<NAME>_URL in one CONFIG error', () => {
    expect(() => resolveTopology(referenceTopology, {})).toThrow(
      /SERVICE_NOTIFICATIONS_URL, SERVICE_ORDERS_URL, SERVICE_INVENTORY_URL/,
    );
  });

  it('leaves out services without a URL when told to skip them', () => {
    const resolved = resolveTopology(
      referenceTopology,
      { orders: urls.orders },
      { missing: 'skip' },
    );
    expect(resolved.topics[0]?.endpoints).toEqual([]);
    expect(resolved.skipped).toEqual(['notifications', 'inventory']);
    expect(resolved.schedules).toHaveLength(1);
  });

  it('plans every endpoint and schedule on an empty QStash', () => {
    const changes = planTopology(resolveTopology(referenceTopology, urls), {
      topics: [],
      schedules: [],
    });
    expect(changes.map((c) => c.kind)).toEqual([
      'add-endpoints',
      'upsert-schedule',
      'upsert-schedule',
    ]);
  });

  it('plans nothing when QStash already matches', () => {
    const desired = resolveTopology(referenceTopology, urls);
    expect(planTopology(desired, applied(desired))).toEqual([]);
  });

  it('replaces a moved subscriber and updates a changed schedule, leaving others alone', () => {
    const desired = resolveTopology(referenceTopology, urls);
    const current = applied(
      resolveTopology(referenceTopology, { ...urls, notifications: 'http://old' }),
    );
    const changes = planTopology(desired, {
      topics: [...current.topics, { name: 'someone-elses', endpoints: [{ url: 'http://x' }] }],
      schedules: current.schedules.map((s) => ({ ...s, cron: '*/5 * * * *' })),
    });
    expect(changes).toEqual([
      { kind: 'remove-endpoints', topic: 'order-events', urls: ['http://old/events/orders'] },
      {
        kind: 'add-endpoints',
        topic: 'order-events',
        endpoints: [{ name: 'notifications', url: 'http://127.0.0.1:8788/events/orders' }],
      },
      { kind: 'upsert-schedule', schedule: desired.schedules[0] },
      { kind: 'upsert-schedule', schedule: desired.schedules[1] },
    ]);
  });
});
