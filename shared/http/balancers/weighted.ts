import type { Balancer } from './balancer.ts';

/** Picks at random in proportion to each endpoint's `weight`; `random` returns [0, 1). */
export function weightedBalancer({
  random = Math.random,
}: { random?: () => number } = {}): Balancer {
  return {
    pick(endpoints) {
      const total = endpoints.reduce((sum, e) => sum + e.weight, 0);
      let point = random() * total;
      for (const endpoint of endpoints) {
        point -= endpoint.weight;
        if (point < 0) return endpoint;
      }
      return endpoints[endpoints.length - 1]!;
    },
  };
}
