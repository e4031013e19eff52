import { randomUUID } from 'node:crypto';
import { Client } from '@upstash/qstash';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyTopology, resolveTopology } from '../../../../shared/queue/topology.ts';
import { referenceTopology } from '../../../support/reference-topology.ts';

const vars = inject('devstackVars');
const client = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN!, retry: false });
const suffix = `-${randomUUID().slice(0, 8)}`;
const urls = {
  notifications: 'http://127.0.0.1:9/n',
  orders: 'http://127.0.0.1:9/o',
  inventory: 'http://127.0.0.1:9/i',
};

afterAll(async () => {
  await client.urlGroups.delete(`order-events${suffix}`).catch(() => {});
  await client.schedules.delete(`orders-outbox-sweep${suffix}`).catch(() => {});
  await client.schedules.delete(`inventory-outbox-sweep${suffix}`).catch(() => {});
});

describe('applyTopology on QStash through the official client', () => {
  it('creates URL groups and schedules, and a second run changes nothing', async () => {
    const desired = resolveTopology(referenceTopology, urls, { suffix });
    const first = await applyTopology(client, desired);
    expect(first.map((c) => c.kind)).toEqual([
      'add-endpoints',
      'upsert-schedule',
      'upsert-schedule',
    ]);
    const group = await client.urlGroups.get(`order-events${suffix}`);
    expect(group.endpoints).toEqual([
      { name: 'notifications', url: 'http://127.0.0.1:9/n/events/orders' },
    ]);
    const schedule = await client.schedules.get(`orders-outbox-sweep${suffix}`);
    expect(schedule).toMatchObject({
      destination: 'http://127.0.0.1:9/o/outbox/sweep',
      cron: '* * * * *',
    });
    expect(await applyTopology(client, desired)).toEqual([]);
  });

  it('moves a subscriber whose URL changed', async () => {
    const moved = resolveTopology(
      referenceTopology,
      { ...urls, notifications: 'http://127.0.0.1:9/moved' },
      { suffix },
    );
    await applyTopology(client, resolveTopology(referenceTopology, urls, { suffix }));
    const changes = await applyTopology(client, moved);
    expect(changes.map((c) => c.kind)).toEqual(['remove-endpoints', 'add-endpoints']);
    const group = await client.urlGroups.get(`order-events${suffix}`);
    expect(group.endpoints.map((e) => e.url)).toEqual(['http://127.0.0.1:9/moved/events/orders']);
  });
});
