import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { QstashServer } from '../../../../devstack/qstash/index.ts';
import { clientFor, sleep, startReceiver, startTestQstash, type TestReceiver } from './support.ts';

let server: QstashServer;
let receiver: TestReceiver;
let client: ReturnType<typeof clientFor>;
/** The server's clock runs `skew` ms behind, so a test can put it just before a minute boundary. */
let skew = 0;
const run = `${process.pid}-${Date.now() % 100000}`;
const at = (p: string) => (r: { path: string }) => r.path.split('?')[0] === p;

beforeAll(async () => {
  server = await startTestQstash(inject('devstackVars').DATABASE_URL!, {
    dropSchemaOnClose: true,
    now: () => Date.now() - skew,
  });
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

/** Replies after `ms`, recording the most requests seen in flight at once. */
function slowReply(p: string, ms: number) {
  const seen = { inFlight: 0, max: 0 };
  receiver.reply(p, async () => {
    seen.inFlight += 1;
    seen.max = Math.max(seen.max, seen.inFlight);
    await sleep(ms);
    seen.inFlight -= 1;
    return { status: 200 };
  });
  return seen;
}

describe.concurrent('queues', () => {
  it('delivers a queue in FIFO order, one at a time by default', async () => {
    const p = '/fifo';
    const seen = slowReply(p, 30);
    const queue = client.queue({ queueName: `fifo-${run}` });
    for (let i = 0; i < 6; i += 1)
      await queue.enqueue({ url: `${receiver.url}${p}`, body: String(i) });
    const got = await receiver.waitFor(6, at(p));
    expect(got.map((r) => r.body.toString())).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(seen.max).toBe(1);
    expect((await queue.get()).parallelism).toBe(1);
  });

  it('keeps a failing head message in front of the ones behind it', async () => {
    const p = '/fifo-retry';
    let first = true;
    receiver.reply(p, (r) =>
      r.body.toString() === 'a' && first ? ((first = false), { status: 500 }) : { status: 200 },
    );
    const queue = client.queue({ queueName: `fifo-retry-${run}` });
    await queue.enqueue({ url: `${receiver.url}${p}`, body: 'a' });
    await queue.enqueue({ url: `${receiver.url}${p}`, body: 'b' });
    const got = await receiver.waitFor(3, at(p));
    expect(got.map((r) => r.body.toString())).toEqual(['a', 'a', 'b']);
  });

  it('runs up to the queue parallelism at once', async () => {
    const p = '/parallel';
    const seen = slowReply(p, 150);
    const queue = client.queue({ queueName: `parallel-${run}` });
    await queue.upsert({ parallelism: 2 });
    for (let i = 0; i < 6; i += 1)
      await queue.enqueueJSON({ url: `${receiver.url}${p}`, body: { i } });
    await receiver.waitFor(6, at(p));
    expect(seen.max).toBe(2);
    expect((await client.queue({ queueName: `parallel-${run}` }).get()).parallelism).toBe(2);
  });

  it('holds messages while paused and delivers them on resume', async () => {
    const p = '/paused';
    const queue = client.queue({ queueName: `paused-${run}` });
    await queue.upsert({ parallelism: 1, paused: true });
    await queue.enqueue({ url: `${receiver.url}${p}`, body: 'held' });
    await sleep(300);
    expect(receiver.received.filter(at(p))).toEqual([]);
    expect(await queue.get()).toMatchObject({ paused: true, lag: 1 });
    await queue.resume();
    await receiver.waitFor(1, at(p));
    expect((await client.queue().list()).map((q) => q.name)).toContain(`paused-${run}`);
    await queue.delete();
    await expect(queue.get()).rejects.toThrow(/not found/);
  });

  it('limits a flow-control key to its parallelism', async () => {
    const p = '/flow';
    const seen = slowReply(p, 100);
    for (let i = 0; i < 4; i += 1) {
      await client.publish({
        url: `${receiver.url}${p}`,
        body: String(i),
        flowControl: { key: `fc-${run}`, parallelism: 1 },
      });
    }
    await receiver.waitFor(4, at(p));
    expect(seen.max).toBe(1);
  });
});

describe('schedules', () => {
  it('fires a cron schedule at the minute, signed and tagged with its id', async () => {
    const p = '/cron';
    // Put the server's clock 1.5 s before the next minute so `* * * * *` fires soon.
    const real = Date.now();
    skew = ((((real % 60_000) - 58_500) % 60_000) + 60_000) % 60_000;
    const { scheduleId } = await client.schedules.create({
      destination: `${receiver.url}${p}`,
      cron: '* * * * *',
      body: '{"tick":true}',
      headers: { 'X-From': 'cron' },
    });
    const [got] = await receiver.waitFor(1, at(p), 10_000);
    expect(got!.verified).toBe(true);
    expect(got!.headers['upstash-schedule-id']).toBe(scheduleId);
    expect(got!.headers['x-from']).toBe('cron');
    expect(got!.body.toString()).toBe('{"tick":true}');
    const schedule = await client.schedules.get(scheduleId);
    expect(schedule.lastScheduleTime).toBeGreaterThan(0);
    await client.schedules.delete(scheduleId);
  });

  it('creates, upserts by id, lists, pauses, resumes and deletes', async () => {
    const id = `sched-${run}`;
    const destination = `${receiver.url}/never`;
    await client.schedules.create({ scheduleId: id, destination, cron: '0 0 1 1 *', retries: 2 });
    await client.schedules.create({
      scheduleId: id,
      destination,
      cron: 'CRON_TZ=Europe/Berlin 0 9 * * 1-5',
    });
    expect(await client.schedules.get(id)).toMatchObject({
      scheduleId: id,
      cron: 'CRON_TZ=Europe/Berlin 0 9 * * 1-5',
      destination,
      isPaused: false,
    });
    expect((await client.schedules.list()).map((s) => s.scheduleId)).toContain(id);
    await client.schedules.pause({ schedule: id });
    expect((await client.schedules.get(id)).isPaused).toBe(true);
    await client.schedules.resume({ schedule: id });
    expect((await client.schedules.get(id)).isPaused).toBe(false);
    await client.schedules.delete(id);
    await expect(client.schedules.get(id)).rejects.toThrow(/not found/);
  });
});
