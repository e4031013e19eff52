import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Client } from '@upstash/qstash';
import { applyTopology, resolveTopology } from '../shared/queue/index.ts';
import { topologyOf } from '../shared/service/index.ts';
import { dataPlaneSql, startDataPlane, type DataPlane } from './data-plane.ts';
import { writeDevstackFiles } from './files.ts';
import { listFunctions, loadServices } from './functions/catalog.ts';
import type { RunningFunction } from './functions/running.ts';
import { startFunctions, type FunctionRuntime } from './functions/start.ts';
import { startEtcd, type DevstackEtcd } from './etcd/index.ts';
import { startConsole, type Console } from './console/index.ts';
import { startControlServer, type ControlServer } from './faults/control-server.ts';
import { freePort } from './listen.ts';
import { migrateFunctions } from './migrations.ts';
import { planRegions, regionEndpoints, regionVars, startRegions } from './regions.ts';
import { stateDir as defaultStateDir } from './paths.ts';
import { startApiReference, type ApiReference } from './reference/server.ts';
import { serviceUrlVariable } from '../shared/discovery/static.ts';

export interface DevstackOptions {
  runtime: FunctionRuntime;
  /**
   * `functions`: 0 gives every function a free port; N shifts each function's declared port
   * by N − 8787 (the default 8787 serves each on its own declared port).
   */
  ports: {
    neon: number;
    redis: number;
    functions: number;
    otlp?: number;
    qstash?: number;
    /** The control API of faults and restarts. Default any free port. */
    control?: number;
    /** The interactive API reference of every function. Default any free port. */
    reference?: number;
    /** The operations console (docs/console.md). Default any free port. */
    console?: number;
  };
  /** TCP fault proxies in front of Postgres and Redis (docs/devstack-faults.md). Default true. */
  faultProxies?: boolean;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** Force a Redis kind instead of the automatic choice. */
  redisKind?: 'redis' | 'redis-server' | 'embedded' | undefined;
  /** Only these functions; default every folder in functions/. */
  only?: readonly string[];
  /** Where `.devstack/` state goes; `.dev.vars` is written beside it. Default the repo's. */
  stateDir?: string;
  /** Serve the operations console. Default true. */
  console?: boolean;
  /** Regions the cart runs in (1 or 2), each with its own database and cart. Default 1. */
  regions?: number;
  /** Write `.dev.vars` and `endpoints.json`. Default true. */
  writeFiles?: boolean;
  log?: (line: string) => void;
}

export interface Devstack {
  plane: DataPlane;
  functions: RunningFunction[];
  /** Every variable a function sees. */
  vars: Record<string, string>;
  /** The content of `.devstack/endpoints.json`. */
  endpoints: Endpoints;
  stop(): Promise<void>;
}

export interface Endpoints {
  /** This devstack's id: every function's `/health` answers it, so tools can tell stacks apart. */
  instance: string;
  functions: Record<string, string>;
  runtime: FunctionRuntime;
  postgres: DataPlane['postgres'];
  redis: DataPlane['redis'];
  otlp: DataPlane['otlp'];
  qstash: DataPlane['qstash'];
  /** The etcd live settings may be kept in (`EDGEMESH_CONFIG_STORE=etcd`), when one runs. */
  etcd?: { url: string; kind: string; description: string };
  /** The control API of faults below the functions and of restarts. */
  control: string;
  /** The interactive API reference (OpenAPI) of every function. */
  reference: string;
  /** The operations console, when it runs. */
  console?: string;
  /** With `--regions 2`: each region's cart. */
  regions?: Record<string, { cart: string }>;
}

/** The port the first reference function declares; `--port N` shifts every function by N − this. */
export const defaultFunctionsPort = 8787;

async function persistentSecret(dir: string, name: string): Promise<string> {
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Starts the whole local edge cloud: data plane, migrations, every function. */
export async function startDevstack(options: DevstackOptions): Promise<Devstack> {
  const stateDir = options.stateDir ?? defaultStateDir;
  const log = options.log ?? (() => {});
  const specs = listFunctions().filter((spec) => !options.only || options.only.includes(spec.name));
  const plane = await startDataPlane({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    redisKind: options.redisKind,
    neonPort: options.ports.neon,
    redisPort: options.ports.redis,
    pgliteDir: join(stateDir, 'pglite'),
    redisToken: await persistentSecret(stateDir, 'redis-token'),
    otlpPort: options.ports.otlp ?? 0,
    qstashPort: options.ports.qstash ?? 0,
    ...((options.writeFiles ?? true) ? { otlpFile: join(stateDir, 'traces.jsonl') } : {}),
    faultProxies: options.faultProxies ?? true,
    log,
  });
  let functions: RunningFunction[] = [];
  let etcd: DevstackEtcd | null = null;
  let control: ControlServer | undefined;
  let reference: ApiReference | undefined;
  let operations: Console | undefined;
  let regions: Awaited<ReturnType<typeof startRegions>> | undefined;
  const stopAll = async () => {
    await reference?.close().catch(() => {});
    await operations?.close().catch(() => {});
    await regions?.stop();
    await Promise.all(functions.map((fn) => fn.stop().catch(() => {})));
    await control?.close().catch(() => {});
    await etcd?.stop().catch(() => {});
    await plane.stop();
  };
  try {
    etcd = await startEtcd({ log });
    control = await startControlServer({
      port: options.ports.control ?? 0,
      proxies: plane.faults,
      restarts: plane.restarts,
      log,
    });
    const services = await loadServices(specs);
    await migrateFunctions(dataPlaneSql(plane), specs);
    const serviceAuthSecret = await persistentSecret(stateDir, 'service-auth-secret');
    const operatorToken = await persistentSecret(stateDir, 'operator-token');
    const ports: Record<string, number> = {};
    for (const service of services) {
      ports[service.name] =
        options.ports.functions === 0
          ? await freePort()
          : service.port + options.ports.functions - defaultFunctionsPort;
    }
    const serviceUrls = Object.fromEntries(
      specs.map((spec) => [serviceUrlVariable(spec.name), `http://127.0.0.1:${ports[spec.name]}`]),
    );
    const cart = specs.find((spec) => spec.name === 'cart');
    const plans = cart
      ? await planRegions(options.regions ?? 1, ports.cart ?? 0, options.ports.functions !== 0)
      : [];
    const instance = randomUUID();
    const vars = {
      ...plane.vars,
      SERVICE_AUTH_SECRET: serviceAuthSecret,
      EDGEMESH_OPERATOR_TOKEN: operatorToken,
      EDGEMESH_INSTANCE: instance,
      // Local only: fault rules from the live settings apply (`npm run chaos`, docs/chaos.md).
      CHAOS_ENABLED: 'true',
      ...(etcd ? { ETCD_URL: etcd.url } : {}),
      ...serviceUrls,
      ...(plans[0] ? regionVars(plans, plans[0]) : {}),
    };
    functions = await startFunctions(specs, { runtime: options.runtime, ports, vars, log });
    // Subscriber URLs are known only now: topics become URL groups, plus the outbox sweeps.
    const topology = resolveTopology(
      topologyOf(services.map((service) => service.definition)),
      Object.fromEntries(functions.map((fn) => [fn.name, fn.url])),
      { missing: 'skip' },
    );
    const qstash = new Client({ baseUrl: plane.qstash.url, token: plane.qstash.token });
    const changes = await applyTopology(qstash, topology);
    log(`qstash topology: ${changes.length} change(s) applied`);
    if (cart && plans.length > 1) {
      const { runtime } = options;
      regions = await startRegions({ plans, spec: cart, plane, runtime, vars, stateDir, log });
    }
    const functionUrls = Object.fromEntries(functions.map((fn) => [fn.name, fn.url]));
    reference = await startApiReference({
      functions: functionUrls,
      port: options.ports.reference ?? 0,
    });
    if (options.console ?? true) {
      operations = await startConsole({
        port: options.ports.console ?? 0,
        functions,
        services,
        vars,
        log,
      });
    }
    const endpoints: Endpoints = {
      instance,
      functions: functionUrls,
      runtime: options.runtime,
      postgres: plane.postgres,
      redis: plane.redis,
      otlp: plane.otlp,
      qstash: plane.qstash,
      ...(etcd ? { etcd: { url: etcd.url, kind: etcd.kind, description: etcd.description } } : {}),
      control: control.url,
      reference: reference.url,
      ...(operations ? { console: operations.url } : {}),
      ...(plans.length > 1 ? { regions: regionEndpoints(plans) } : {}),
    };
    if (options.writeFiles ?? true)
      await writeDevstackFiles(dirname(stateDir), stateDir, vars, endpoints);
    return {
      plane,
      functions,
      vars,
      endpoints,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
