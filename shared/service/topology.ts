import type { ScheduleSpec, TopicSpec, Topology } from '../queue/index.ts';
import { subscriptionsOf, type ServiceDefinition } from './definition.ts';

/** How often a function's outbox is swept for rows a crash left unpublished. */
export const outboxSweepCron = '* * * * *';

/**
 * The messaging topology the functions declare: each subscription adds its route to its
 * topic (endpoint named after the subscription), each function with an outbox gets a sweep
 * schedule (`<name>-outbox-sweep`), and declared schedules are `<name>-<id>`.
 * @example applyTopology(client, resolveTopology(topologyOf(definitions), urls))
 */
export function topologyOf(
  definitions: readonly Pick<
    ServiceDefinition,
    'name' | 'outbox' | 'subscriptions' | 'schedules'
  >[],
): Topology {
  const topics: Record<string, TopicSpec> = {};
  const schedules: ScheduleSpec[] = [];
  for (const definition of definitions) {
    for (const subscription of subscriptionsOf(definition)) {
      const subscribers = topics[subscription.topic]?.subscribers ?? [];
      topics[subscription.topic] = {
        subscribers: [
          ...subscribers,
          { service: definition.name, path: subscription.path, name: subscription.name },
        ],
      };
    }
    if (definition.outbox) {
      schedules.push({
        id: `${definition.name}-outbox-sweep`,
        service: definition.name,
        path: '/outbox/sweep',
        cron: outboxSweepCron,
      });
    }
    for (const schedule of definition.schedules ?? []) {
      schedules.push({
        id: `${definition.name}-${schedule.id}`,
        service: definition.name,
        path: schedule.path,
        cron: schedule.cron,
        ...(schedule.retries !== undefined ? { retries: schedule.retries } : {}),
      });
    }
  }
  return { topics, schedules };
}
