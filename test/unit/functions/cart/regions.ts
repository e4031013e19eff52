/** Two cart regions and orders, in process, joined by a network a test can cut. */
import cart from '../../../../functions/cart/service.ts';
import orders from '../../../../functions/orders/service.ts';
import type { OutboxMessageToPublish } from '../../../../shared/event-store/index.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

export const regionNames = ['eu-west', 'us-east'] as const;
export type RegionName = (typeof regionNames)[number];

const urlOf = (region: string) => `http://${region}.cart.test`;
const ordersUrl = 'http://orders.test';

export interface CartView {
  customerId: string;
  items: { sku: string; quantity: number }[];
  context: string;
  caughtUp: boolean;
  conflicts: { sku: string; quantities: number[] }[];
}

/** A replication message in flight from one region to the other. */
export interface InFlight {
  from: RegionName;
  message: OutboxMessageToPublish;
}

export interface Regions {
  region: Record<RegionName, TestService>;
  orders: TestService;
  /** When true, calls and deliveries between the regions fail (both directions). */
  partitioned: boolean;
  /** Replication messages published and not yet delivered (or dropped). */
  inFlight: InFlight[];
  /** Publishes what each region's outbox holds, moving new messages in flight. */
  settle(): Promise<void>;
  /** Delivers one message in flight to its region; keeps it in flight when `duplicate`. */
  deliver(index: number, options?: { duplicate?: boolean }): Promise<number>;
  /** Delivers everything in flight, in order. */
  deliverAll(): Promise<void>;
  /** Runs a region's anti-entropy sweep (its QStash schedule firing). */
  sweep(region: RegionName): Promise<Response>;
}

/** Two regions: each with its own memory event store, the other one as its peer. */
export function twoRegions(): Regions {
  const services = new Map<string, TestService>();
  const state = { partitioned: false };
  const fetchFrom = (region: string): typeof fetch =>
    async function regionFetch(input, init) {
      const request = new Request(input, init);
      const origin = new URL(request.url).origin;
      const crossing = origin !== ordersUrl && origin !== urlOf(region);
      if (crossing && state.partitioned) throw new TypeError('fetch failed: partitioned');
      const target = services.get(origin);
      if (!target) throw new TypeError(`fetch failed: nothing at ${origin}`);
      return target.app.request(request);
    };
  const ordersService = testService(orders, { selfUrl: ordersUrl });
  services.set(ordersUrl, ordersService);
  const region = {} as Record<RegionName, TestService>;
  for (const [i, name] of regionNames.entries()) {
    const peer = regionNames[1 - i] as RegionName;
    region[name] = testService(cart, {
      selfUrl: urlOf(name),
      env: { CART_REGION: name, SERVICE_CART_PEER_URL: urlOf(peer), SERVICE_ORDERS_URL: ordersUrl },
      fetch: fetchFrom(name),
    });
    services.set(urlOf(name), region[name]);
  }
  const seen = new Map<RegionName, number>(regionNames.map((name) => [name, 0]));
  const inFlight: InFlight[] = [];
  const regions: Regions = {
    region,
    orders: ordersService,
    get partitioned() {
      return state.partitioned;
    },
    set partitioned(value) {
      state.partitioned = value;
    },
    inFlight,
    async settle() {
      for (const name of regionNames) {
        await region[name].settle();
        const published = region[name].published;
        for (const message of published.slice(seen.get(name)))
          inFlight.push({ from: name, message });
        seen.set(name, published.length);
      }
    },
    async deliver(index, { duplicate = false } = {}) {
      const flight = inFlight[index];
      if (!flight) throw new Error(`nothing in flight at ${index}`);
      if (!duplicate) inFlight.splice(index, 1);
      const to = region[regionNames[1 - regionNames.indexOf(flight.from)] as RegionName];
      if (state.partitioned) return 0;
      const response = await to.deliver(flight.message.destination, flight.message.body, {
        messageId: flight.message.id,
      });
      await regions.settle();
      return response.status;
    },
    async deliverAll() {
      while (inFlight.length > 0) await regions.deliver(0);
    },
    async sweep(name) {
      const response = await region[name].deliver('/replication/sweep', {});
      await regions.settle();
      return response;
    },
  };
  return regions;
}

/** A JSON request to a region, answered as JSON. */
export async function call(
  t: TestService,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: CartView & Record<string, unknown> }> {
  const response = await t.send(method, path, body, headers);
  return {
    status: response.status,
    body: (await response.json()) as CartView & Record<string, unknown>,
  };
}
