import type { Context, Hono } from 'hono';
import { parseCron } from '../cron.ts';
import { resolveDestination, topicNamePattern } from '../destinations.ts';
import { scheduleId } from '../ids.ts';
import { badInput, notFound } from '../input-error.ts';
import { bodyFields, deliveryOptionFields, headerLists } from '../message.ts';
import { parsePublishHeaders } from '../publish-headers.ts';
import type { ScheduleRecord } from '../store/store.ts';
import { callerIp, rawTarget, readBody, type ApiDeps } from './deps.ts';

function scheduleJson(schedule: ScheduleRecord): Record<string, unknown> {
  const { spec } = schedule;
  return {
    scheduleId: schedule.id,
    cron: schedule.cron,
    createdAt: schedule.createdAt,
    destination: schedule.destination,
    method: spec.method,
    header: headerLists(spec.headers),
    ...bodyFields(schedule.body),
    retries: spec.maxRetries,
    ...(schedule.delayMs ? { delay: Math.round(schedule.delayMs / 1000) } : {}),
    ...deliveryOptionFields(spec),
    isPaused: schedule.paused,
    ...(schedule.lastAt ? { lastScheduleTime: schedule.lastAt } : {}),
    nextScheduleTime: schedule.nextAt,
  };
}

/** Schedules: create/upsert by id, list, get, delete, pause/resume by PATCH or POST. */
export function scheduleRoutes(app: Hono, deps: ApiDeps): void {
  const find = (id: string) => {
    const schedule = deps.engine.getSchedule(id);
    if (!schedule) throw notFound(`schedule ${id} not found`);
    return schedule;
  };
  const setPaused = async (c: Context, paused: boolean) => {
    const schedule = find(c.req.param('id') ?? '');
    const now = deps.now();
    const updated = {
      ...schedule,
      paused,
      nextAt: paused ? schedule.nextAt : parseCron(schedule.cron).next(now),
    };
    await deps.store.saveSchedule(updated);
    deps.engine.setSchedule(updated);
    return c.json({});
  };
  for (const method of ['patch', 'post'] as const) {
    app[method]('/v2/schedules/:id/pause', (c, next) =>
      c.req.header('upstash-cron') ? next() : setPaused(c, true),
    );
    app[method]('/v2/schedules/:id/resume', (c, next) =>
      c.req.header('upstash-cron') ? next() : setPaused(c, false),
    );
  }

  app.post('/v2/schedules/*', async (c) => {
    const destination = rawTarget(c).slice('/v2/schedules/'.length);
    const cronHeader = c.req.header('upstash-cron');
    if (!cronHeader) throw badInput('missing Upstash-Cron header, e.g. "*/5 * * * *"');
    const cron = parseCron(cronHeader);
    const now = deps.now();
    const options = parsePublishHeaders(c.req.raw.headers, deps.limits, now);
    await resolveDestination(deps.store, destination);
    const queueName = c.req.header('upstash-queue-name');
    if (queueName !== undefined && !topicNamePattern.test(queueName))
      throw badInput(`invalid Upstash-Queue-Name "${queueName}": use letters, digits, -, _ and .`);
    const id = c.req.header('upstash-schedule-id') ?? scheduleId();
    if (!/^[\w.-]{1,256}$/.test(id))
      throw badInput(`invalid Upstash-Schedule-Id "${id}": use letters, digits, -, _ and .`);
    const body = await readBody(c, deps.limits.maxBodyBytes);
    const ip = callerIp(c);
    const existing = deps.engine.getSchedule(id);
    const record: ScheduleRecord = {
      id,
      cron: cron.expression,
      destination,
      spec: {
        ...options.template,
        ...(queueName ? { queueName } : {}),
        ...(ip ? { callerIp: ip } : {}),
      },
      body,
      delayMs: options.delayMs,
      paused: existing?.paused ?? false,
      createdAt: existing?.createdAt ?? now,
      nextAt: cron.next(now),
      ...(existing?.lastAt ? { lastAt: existing.lastAt } : {}),
    };
    if (queueName && !deps.knownQueues.has(queueName)) {
      await deps.store.ensureQueue(queueName, now);
      deps.knownQueues.add(queueName);
    }
    await deps.store.saveSchedule(record);
    deps.engine.setSchedule(record);
    return c.json({ scheduleId: id });
  });

  app.get('/v2/schedules', (c) => c.json(deps.engine.listSchedules().map(scheduleJson)));
  app.get('/v2/schedules/:id', (c) => c.json(scheduleJson(find(c.req.param('id')))));
  app.delete('/v2/schedules/:id', async (c) => {
    const id = c.req.param('id');
    find(id);
    await deps.store.deleteSchedule(id);
    deps.engine.deleteSchedule(id);
    return c.json({});
  });
}
