import type { Balancer } from './balancer.ts';

/** Takes endpoints in turn. */
export function roundRobin(): Balancer {
  let next = 0;
  return {
    pick(endpoints) {
      const endpoint = endpoints[next % endpoints.length]!;
      next = (next + 1) % Number.MAX_SAFE_INTEGER;
      return endpoint;
    },
  };
}
