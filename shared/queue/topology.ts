import type { Client } from '@upstash/qstash';
import { serviceUrlVariable } from '../discovery/static.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** A function endpoint: a path of a service, whose base URL comes from `SERVICE_<NAME>_URL`. */
export interface ServiceEndpoint {
  readonly service: string;
  readonly path: string;
}

/** A topic (QStash URL group) and the function endpoints subscribed to it. */
export interface TopicSpec {
  /** Each subscriber's endpoint; `name` is its endpoint name in the URL group (default the service). */
  readonly subscribers: readonly (ServiceEndpoint & { readonly name?: string })[];
}

/** A QStash schedule that POSTs to a function endpoint; `id` makes re-applying an update. */
export interface ScheduleSpec extends ServiceEndpoint {
  readonly id: string;
  /** Cron expression, 1-minute resolution, UTC unless prefixed `CRON_TZ=`. */
  readonly cron: string;
  /** Delivery retries. Default QStash's (3). */
  readonly retries?: number;
}

/** The messaging topology as code: topics, their subscribers, and schedules. */
export interface Topology {
  readonly topics: Readonly<Record<string, TopicSpec>>;
  readonly schedules: readonly ScheduleSpec[];
}

/** A topology with every service endpoint turned into a URL. */
export interface ResolvedTopology {
  readonly topics: readonly {
    readonly name: string;
    readonly endpoints: readonly { readonly name: string; readonly url: string }[];
  }[];
  readonly schedules: readonly {
    readonly id: string;
    readonly destination: string;
    readonly cron: string;
    readonly retries?: number;
  }[];
  /** Services the topology names that had no URL (only with `missing: 'skip'`). */
  readonly skipped: readonly string[];
}

export interface ResolveTopologyOptions {
  /** Appended to every topic name and schedule id, to keep test runs apart. Default ''. */
  suffix?: string;
  /** A service without a URL: `'error'` (default) throws CONFIG naming every missing variable; `'skip'` leaves its endpoints out. */
  missing?: 'error' | 'skip';
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

/**
 * Turns service endpoints into URLs with `urls` (base URL by service name, e.g. from
 * `SERVICE_<NAME>_URL`; the first of a comma-separated list). Pure.
 */
export function resolveTopology(
  topology: Topology,
  urls: Readonly<Record<string, string | undefined>>,
  { suffix = '', missing = 'error' }: ResolveTopologyOptions = {},
): ResolvedTopology {
  const absent = new Set<string>();
  const urlOf = (endpoint: ServiceEndpoint): string | undefined => {
    const base = urls[endpoint.service]?.split(',')[0]?.trim();
    if (!base) {
      absent.add(endpoint.service);
      return undefined;
    }
    return join(base, endpoint.path);
  };
  const topics = Object.entries(topology.topics).map(([name, spec]) => {
    const endpoints = spec.subscribers.flatMap((subscriber) => {
      const url = urlOf(subscriber);
      return url ? [{ name: subscriber.name ?? subscriber.service, url }] : [];
    });
    return { name: `${name}${suffix}`, endpoints };
  });
  const schedules = topology.schedules.flatMap((spec) => {
    const destination = urlOf(spec);
    if (!destination) return [];
    return [
      {
        id: `${spec.id}${suffix}`,
        destination,
        cron: spec.cron,
        ...(spec.retries !== undefined ? { retries: spec.retries } : {}),
      },
    ];
  });
  if (absent.size > 0 && missing === 'error') {
    const names = [...absent].map(serviceUrlVariable).join(', ');
    throw new EdgeMeshError('CONFIG', `invalid configuration: ${names} missing (topology)`);
  }
  return { topics, schedules, skipped: [...absent] };
}

/** What QStash holds now, as far as the topology is concerned. */
export interface CurrentTopology {
  readonly topics: readonly {
    readonly name: string;
    readonly endpoints: readonly { readonly name?: string; readonly url: string }[];
  }[];
  readonly schedules: readonly {
    readonly scheduleId: string;
    readonly destination: string;
    readonly cron: string;
    readonly retries?: number;
  }[];
}

/** One change that brings QStash to the declared topology. */
export type TopologyChange =
  | { readonly kind: 'remove-endpoints'; readonly topic: string; readonly urls: readonly string[] }
  | {
      readonly kind: 'add-endpoints';
      readonly topic: string;
      readonly endpoints: readonly { readonly name: string; readonly url: string }[];
    }
  | { readonly kind: 'upsert-schedule'; readonly schedule: ResolvedTopology['schedules'][number] };

/**
 * The changes from `current` to `desired`: endpoints of declared topics that are no longer
 * declared are removed, missing ones added, and schedules created or updated by id. Topics and
 * schedules the topology does not name are left alone. Empty when nothing differs. Pure.
 */
export function planTopology(
  desired: ResolvedTopology,
  current: CurrentTopology,
): TopologyChange[] {
  const changes: TopologyChange[] = [];
  for (const topic of desired.topics) {
    const existing = current.topics.find((item) => item.name === topic.name)?.endpoints ?? [];
    const stale = existing.filter(
      (endpoint) =>
        !topic.endpoints.some((want) => want.url === endpoint.url && want.name === endpoint.name),
    );
    if (stale.length > 0) {
      changes.push({ kind: 'remove-endpoints', topic: topic.name, urls: stale.map((e) => e.url) });
    }
    const missing = topic.endpoints.filter(
      (want) =>
        !existing.some((endpoint) => endpoint.url === want.url && endpoint.name === want.name),
    );
    if (missing.length > 0)
      changes.push({ kind: 'add-endpoints', topic: topic.name, endpoints: missing });
  }
  for (const schedule of desired.schedules) {
    const existing = current.schedules.find((item) => item.scheduleId === schedule.id);
    const same =
      existing !== undefined &&
      existing.destination === schedule.destination &&
      existing.cron === schedule.cron &&
      (schedule.retries === undefined || existing.retries === schedule.retries);
    if (!same) changes.push({ kind: 'upsert-schedule', schedule });
  }
  return changes;
}

/** Reads what QStash holds for the topology's topics and schedules. */
export async function readTopology(client: Client): Promise<CurrentTopology> {
  const [topics, schedules] = await Promise.all([client.urlGroups.list(), client.schedules.list()]);
  return {
    topics: topics.map((topic) => ({ name: topic.name, endpoints: topic.endpoints })),
    schedules: schedules.map((schedule) => ({
      scheduleId: schedule.scheduleId,
      destination: schedule.destination,
      cron: schedule.cron,
      retries: schedule.retries,
    })),
  };
}

/** Carries out planned changes with the official client, in order. */
export async function applyChanges(
  client: Client,
  changes: readonly TopologyChange[],
): Promise<void> {
  for (const change of changes) {
    switch (change.kind) {
      case 'remove-endpoints':
        await client.urlGroups.removeEndpoints({
          name: change.topic,
          endpoints: change.urls.map((url) => ({ url })),
        });
        break;
      case 'add-endpoints':
        await client.urlGroups.addEndpoints({
          name: change.topic,
          endpoints: change.endpoints.map((endpoint) => ({ ...endpoint })),
        });
        break;
      case 'upsert-schedule':
        await client.schedules.create({
          scheduleId: change.schedule.id,
          destination: change.schedule.destination,
          cron: change.schedule.cron,
          method: 'POST',
          ...(change.schedule.retries !== undefined ? { retries: change.schedule.retries } : {}),
        });
        break;
    }
  }
}

/**
 * Brings QStash to `desired` and returns what it changed; applying the same topology again
 * changes nothing and returns `[]`.
 * @example await applyTopology(client, resolveTopology(topologyOf(services), { notifications: url }))
 */
export async function applyTopology(
  client: Client,
  desired: ResolvedTopology,
): Promise<TopologyChange[]> {
  const changes = planTopology(desired, await readTopology(client));
  await applyChanges(client, changes);
  return changes;
}
