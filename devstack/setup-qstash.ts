// `npm run setup:qstash`: applies the messaging topology the functions declare (their
// subscriptions, outbox sweeps and schedules, gathered from functions/*/service.ts) to the QStash
// of QSTASH_TOKEN (and QSTASH_URL, default Upstash's), with subscriber URLs from
// SERVICE_<NAME>_URL. Idempotent: a second run changes nothing. `--dry-run` only prints the plan;
// `--cron-sweeps` leaves the outbox sweeps out (Cron Triggers in wrangler.toml run them instead).
import { Client } from '@upstash/qstash';
import * as z from 'zod';
import { loadConfig } from '../shared/config/load.ts';
import { httpUrl } from '../shared/config/vars.ts';
import { serviceUrlVariable } from '../shared/discovery/static.ts';
import { isEdgeMeshError } from '../shared/errors/edgemesh-error.ts';
import {
  applyChanges,
  planTopology,
  readTopology,
  resolveTopology,
  type TopologyChange,
} from '../shared/queue/index.ts';
import { topologyOf } from '../shared/service/index.ts';
import { listFunctions, loadServices } from './functions/catalog.ts';

const setupVars = z.object({
  QSTASH_TOKEN: z.string().trim().min(1),
  QSTASH_URL: httpUrl.optional(),
  /** Appended to topic names and schedule ids (a staging copy on the same account). */
  QSTASH_TOPOLOGY_SUFFIX: z
    .string()
    .regex(/^[\w.-]*$/)
    .optional(),
});

function describe(change: TopologyChange): string {
  switch (change.kind) {
    case 'remove-endpoints':
      return `topic ${change.topic}: remove ${change.urls.join(', ')}`;
    case 'add-endpoints':
      return `topic ${change.topic}: add ${change.endpoints.map((e) => `${e.name} ${e.url}`).join(', ')}`;
    case 'upsert-schedule':
      return `schedule ${change.schedule.id}: ${change.schedule.cron} POST ${change.schedule.destination}`;
  }
}

try {
  const dryRun = process.argv.includes('--dry-run');
  const config = loadConfig(process.env, setupVars);
  const declared = topologyOf(
    (await loadServices(listFunctions())).map((service) => service.definition),
  );
  const topology = process.argv.includes('--cron-sweeps')
    ? { ...declared, schedules: declared.schedules.filter((s) => s.path !== '/outbox/sweep') }
    : declared;
  const services = new Set([
    ...Object.values(topology.topics).flatMap((topic) => topic.subscribers.map((s) => s.service)),
    ...topology.schedules.map((s) => s.service),
  ]);
  const urls = Object.fromEntries(
    [...services].map((service) => [
      service,
      process.env[serviceUrlVariable(service)] || undefined,
    ]),
  );
  const desired = resolveTopology(topology, urls, {
    suffix: config.QSTASH_TOPOLOGY_SUFFIX ?? '',
  });
  const client = new Client({
    token: config.QSTASH_TOKEN,
    ...(config.QSTASH_URL ? { baseUrl: config.QSTASH_URL } : {}),
  });
  const changes = planTopology(desired, await readTopology(client));
  if (!dryRun) await applyChanges(client, changes);
  for (const change of changes) console.log(`${dryRun ? 'would ' : ''}${describe(change)}`);
  console.log(
    changes.length === 0
      ? `QStash already matches the topology (${desired.topics.length} topics, ${desired.schedules.length} schedules).`
      : `${dryRun ? 'planned' : 'applied'} ${changes.length} change(s).`,
  );
} catch (error) {
  const message = isEdgeMeshError(error) || error instanceof Error ? error.message : String(error);
  console.error(`setup:qstash: ${message.split('\n')[0]}`);
  process.exitCode = 1;
}
