// `npm start -- --regions 2`: the cart runs in two regions on this machine. The first region is
// the stack's own cart; each further region gets its own database and its own cart function,
// sharing the stack's Redis, QStash and OTLP collector. Node-only.
import { join } from 'node:path';
import { Client as QstashClient } from '@upstash/qstash';
import { Client } from 'pg';
import { createSql } from '../shared/postgres/neon.ts';
import { applyTopology, resolveTopology } from '../shared/queue/index.ts';
import { topologyOf } from '../shared/service/index.ts';
import type { DataPlane } from './data-plane.ts';
import type { FunctionSpec } from './functions/catalog.ts';
import type { RunningFunction } from './functions/running.ts';
import { startFunctions, type FunctionRuntime } from './functions/start.ts';
import { freePort } from './listen.ts';
import { migrateFunctions } from './migrations.ts';
import { startPostgresBackend } from './postgres/index.ts';
import { loadService } from './functions/catalog.ts';

/** Region names in the order `--regions N` uses them. */
export const regionNames = ['eu-west', 'us-east'] as const;

/** The replicated function. */
const replicated = 'cart';

/** Where each region's cart serves: decided before anything starts, so each knows the other. */
export interface RegionPlan {
  name: string;
  port: number;
  url: string;
}

/** The regions of `--regions count` (1 or 2); the first is the stack's own cart on `firstPort`. */
export async function planRegions(
  count: number,
  firstPort: number,
  fixedPorts: boolean,
): Promise<RegionPlan[]> {
  if (!Number.isInteger(count) || count < 1 || count > regionNames.length) {
    throw new Error(`--regions must be 1 or ${regionNames.length}, got ${count}`);
  }
  if (count === 1) return [];
  const plans: RegionPlan[] = [];
  for (const [i, name] of regionNames.slice(0, count).entries()) {
    const port = i === 0 ? firstPort : fixedPorts ? firstPort + 100 * i : await freePort();
    plans.push({ name, port, url: `http://127.0.0.1:${port}` });
  }
  return plans;
}

/** The variables of the cart in `plan` (its region name and its peer). */
export function regionVars(plans: readonly RegionPlan[], plan: RegionPlan): Record<string, string> {
  const peer = plans.find((other) => other.name !== plan.name);
  return { CART_REGION: plan.name, ...(peer ? { SERVICE_CART_PEER_URL: peer.url } : {}) };
}

/** A database of its own for a region: a second PGlite, or a second database on the server. */
async function regionDatabase(
  plane: DataPlane,
  region: string,
  stateDir: string,
  log: (line: string) => void,
) {
  if (plane.postgres.kind === 'pglite') {
    const backend = await startPostgresBackend({
      dataDir: join(stateDir, `pglite-${region}`),
      log,
    });
    return { url: backend.url, close: () => backend.close() };
  }
  const url = new URL(plane.postgres.url);
  const database = `${url.pathname.slice(1) || 'postgres'}_${region.replace(/-/g, '_')}`;
  const client = new Client({ connectionString: plane.postgres.url });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database}"`);
  } catch (error) {
    // Two stacks creating it at once: the other one won.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
  url.pathname = `/${database}`;
  return { url: url.toString(), close: async () => {} };
}

export interface StartRegionsOptions {
  plans: readonly RegionPlan[];
  spec: FunctionSpec;
  plane: DataPlane;
  runtime: FunctionRuntime;
  /** The stack's variables; each region overrides its database and cart variables. */
  vars: Record<string, string>;
  stateDir: string;
  log: (line: string) => void;
}

/** Starts the cart of every region after the first, each on its own migrated database. */
export async function startRegions(
  options: StartRegionsOptions,
): Promise<{ running: RunningFunction[]; stop(): Promise<void> }> {
  const { plans, spec, plane, runtime, vars, stateDir, log } = options;
  const running: RunningFunction[] = [];
  const closes: Array<() => Promise<void>> = [];
  const stop = async () => {
    await Promise.all(running.map((fn) => fn.stop().catch(() => {})));
    for (const close of closes) await close().catch(() => {});
  };
  try {
    for (const plan of plans.slice(1)) {
      const database = await regionDatabase(plane, plan.name, stateDir, log);
      closes.push(database.close);
      const sqlVars = {
        DATABASE_URL: database.url,
        NEON_FETCH_ENDPOINT: plane.postgres.fetchEndpoint,
        NEON_WS_PROXY: plane.postgres.wsProxy,
      };
      await migrateFunctions(createSql(sqlVars), [spec]);
      const [started] = await startFunctions([spec], {
        runtime,
        ports: { [replicated]: plan.port },
        vars: {
          ...vars,
          ...sqlVars,
          ...regionVars(plans, plan),
          SERVICE_CART_URL: plan.url,
          EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:${plan.name}`,
          EDGEMESH_BREAKER_PREFIX: `edgemesh:breaker:${plan.name}`,
        },
        log,
      });
      running.push(started as RunningFunction);
      log(`region ${plan.name}: ${replicated} at ${plan.url}, its own database`);
      // Its schedules (outbox and anti-entropy sweeps) under ids of its own.
      const topology = resolveTopology(
        topologyOf([(await loadService(spec)).definition]),
        { [replicated]: plan.url },
        { suffix: `-${plan.name}` },
      );
      await applyTopology(
        new QstashClient({ baseUrl: plane.qstash.url, token: plane.qstash.token }),
        topology,
      );
    }
    return { running, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `regions` of endpoints.json: each region's cart URL. */
export function regionEndpoints(plans: readonly RegionPlan[]): Record<string, { cart: string }> {
  return Object.fromEntries(plans.map((plan) => [plan.name, { cart: plan.url }]));
}
