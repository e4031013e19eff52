import type { Hono } from 'hono';
import { createBreakerSet, type BreakerSet, type BreakerStore } from '../breaker/index.ts';
import { chaosFetch, type Chaos } from '../chaos/index.ts';
import type { Registry } from '../discovery/index.ts';
import { EdgeMeshError } from '../errors/index.ts';
import {
  createRetryBudget,
  createServiceClient,
  leastLatency,
  powerOfTwoChoices,
  randomBalancer,
  roundRobin,
  weightedBalancer,
  type Balancer,
  type RetryBudget,
} from '../http/index.ts';
import { serviceCallObserver, type Telemetry } from '../telemetry/index.ts';
import type { CallingService, ServiceClient } from './deps.ts';
import {
  breakerOptionsOf,
  callPolicyOf,
  type LiveCallSettings,
  type ToolkitSettings,
} from './settings.ts';

const balancers: Record<NonNullable<LiveCallSettings['balancer']>, () => Balancer> = {
  'round-robin': roundRobin,
  random: () => randomBalancer(),
  weighted: () => weightedBalancer(),
  'least-latency': () => leastLatency(),
  'power-of-two': () => powerOfTwoChoices(),
};

/** Endpoints of `registry` with the weights the settings give by URL. */
function weighted(registry: Registry, weights: Readonly<Record<string, number>>): Registry {
  return {
    ...registry,
    resolve: async (service, signal) =>
      (await registry.resolve(service, signal)).map((endpoint) =>
        weights[endpoint.url] === undefined
          ? endpoint
          : { ...endpoint, weight: weights[endpoint.url]! },
      ),
  };
}

/** Endpoints of `registry` whose service bindings go through the chaos of calls too. */
function bindingsWithChaos(registry: Registry, chaos: Chaos | undefined): Registry {
  if (!chaos) return registry;
  return {
    ...registry,
    resolve: async (service, signal) =>
      (await registry.resolve(service, signal)).map((endpoint) => {
        const { fetcher } = endpoint;
        if (!fetcher) return endpoint;
        const fetch = chaosFetch((input, init) => fetcher.fetch(input, init), chaos, service);
        return { ...endpoint, fetcher: { fetch } };
      }),
  };
}

export interface ClientFactoryOptions {
  definition: CallingService;
  registry: Registry;
  breakerStore: BreakerStore;
  telemetry: Telemetry;
  authSecret?: string | undefined;
  fetch: typeof fetch;
  now: () => number;
  waitUntil: (promise: Promise<unknown>) => void;
  /** The settings in force; a new object means new policies. */
  settings: () => ToolkitSettings;
  /** Faults on calls, by the rules aiming at each called service. */
  chaos?: Chaos;
}

/**
 * Typed clients of the services a function calls, built from the policies in force: a new
 * settings revision builds new clients (and breakers) for the next call, while calls in flight
 * keep the ones they started with. Retry budgets outlive revisions that keep their settings.
 */
export function clientFactory(options: ClientFactoryOptions) {
  const { definition, telemetry } = options;
  const bySettings = new WeakMap<object, { breakers: BreakerSet; clients: Map<string, unknown> }>();
  const budgets = new Map<string, RetryBudget>();

  function forSettings(settings: ToolkitSettings) {
    let entry = bySettings.get(settings);
    if (!entry) {
      const breakers = createBreakerSet({
        ...breakerOptionsOf(definition.breaker, settings),
        forced: settings.breaker.force,
        store: options.breakerStore,
        now: options.now,
        waitUntil: options.waitUntil,
        log: (line) => telemetry.log.warn(line),
        onTransition: (transition) => telemetry.standard.recordBreakerTransition(transition),
      });
      entry = { breakers, clients: new Map() };
      bySettings.set(settings, entry);
    }
    return entry;
  }

  function budgetOf(service: string, budget: LiveCallSettings['retryBudget']): RetryBudget {
    const key = `${service} ${budget?.ratio ?? ''} ${budget?.windowMs ?? ''}`;
    let found = budgets.get(key);
    if (!found) {
      found = createRetryBudget({ ...budget, now: options.now });
      budgets.set(key, found);
    }
    return found;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return function client<App extends Hono<any, any, any>>(service: string): ServiceClient<App> {
    const declared = definition.calls?.[service];
    if (!declared) {
      throw new EdgeMeshError(
        'CONFIG',
        `${definition.name} does not declare calls to ${service} (add it to \`calls\`)`,
      );
    }
    const settings = options.settings();
    const entry = forSettings(settings);
    let found = entry.clients.get(service);
    if (!found) {
      const { policy, live } = callPolicyOf(service, declared, settings);
      const { balancer, weights, retryBudget } = live;
      found = createServiceClient<App>({
        ...policy,
        service,
        registry: bindingsWithChaos(
          weights ? weighted(options.registry, weights) : options.registry,
          options.chaos,
        ),
        ...(balancer ? { balancer: balancers[balancer]() } : {}),
        retryBudget: policy.retryBudget ?? budgetOf(service, retryBudget),
        breakers: entry.breakers,
        observe: serviceCallObserver(telemetry),
        caller: definition.name,
        ...(options.authSecret ? { authSecret: options.authSecret } : {}),
        fetch: options.chaos ? chaosFetch(options.fetch, options.chaos, service) : options.fetch,
        now: options.now,
      });
      entry.clients.set(service, found);
    }
    return found as ServiceClient<App>;
  };
}
